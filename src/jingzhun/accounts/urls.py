from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.AccountLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    # 本人的接口令牌
    path("tokens/", views.my_tokens, name="my_tokens"),
    path("tokens/<int:token_id>/collect/", views.my_token_collect, name="my_token_collect"),
    path("tokens/<int:token_id>/revoke/", views.my_token_revoke, name="my_token_revoke"),
    # 系统管理员
    path("system/", views.system_accounts, name="system_accounts"),
    path("system/new/", views.system_account_create, name="system_account_create"),
    path("system/<int:pk>/", views.system_account, name="system_account"),
    path("system/<int:pk>/active/", views.system_account_active, name="system_account_active"),
    path("system/<int:pk>/password/", views.system_account_password, name="system_account_password"),
    # 安全管理员
    path("security/", views.security_accounts, name="security_accounts"),
    path("security/<int:pk>/", views.security_account, name="security_account"),
    path("security/<int:pk>/password/", views.security_account_password, name="security_account_password"),
    path("security/unlock/", views.security_unlock, name="security_unlock"),
    # 三员互相复核：管理员账号的变更待另一名管理员批准
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="approval_decide"),
    path("security/<int:pk>/tokens/", views.security_token_issue, name="security_token_issue"),
    path("security/tokens/<int:token_id>/revoke/", views.security_token_revoke, name="security_token_revoke"),
    # 审计管理员
    path("audit/", views.audit_events, name="audit_events"),
    path("audit/access/", views.audit_access, name="audit_access"),
]
