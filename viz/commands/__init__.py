"""One module per ``graphgrad`` subcommand; each defines ``register(subparsers)`` and sets
``func`` on its parser (``parser.set_defaults(func=run)``). Modules starting with ``_``
are helpers, not commands."""
