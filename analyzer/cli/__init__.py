"""The command line: parser, progress bars and one thin module per subcommand."""
