from zero2hero.cli import main

main()
