"""The household benefit cards (明白卡), under /benefits/cards/ (mounted before the benefits app's own pages:
the cards compose registry, benefits and assistance, so they are served by ``web``)."""

from django.urls import path

from . import benefit_card_views as views

app_name = "web"
urlpatterns = [
    path("", views.card_index, name="card_index"),
    path("village/<str:area_code>.pdf", views.village_cards, name="village_cards"),
    path("<str:household_no>.pdf", views.benefit_card, name="benefit_card"),
]
