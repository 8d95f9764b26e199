from kaohe_docs.cli import main

main()
