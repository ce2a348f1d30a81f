from npc.cli import main

main()
