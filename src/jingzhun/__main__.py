from jingzhun.cli import main

main()
