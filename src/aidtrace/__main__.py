from aidtrace.cli import main

main()
