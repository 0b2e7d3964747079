from neurogate.server.cli import main

main()
