"""One module per `bpfstab` subcommand; each exposes register(subparsers)."""
