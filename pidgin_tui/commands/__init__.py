"""One module per `pidgin-tui` subcommand: NAME, HELP, add_arguments(parser), run(args)."""
