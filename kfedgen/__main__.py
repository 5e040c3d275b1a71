from kfedgen.cli import main

raise SystemExit(main())
