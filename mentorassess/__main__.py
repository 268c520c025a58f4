from mentorassess.cli import main

main()
