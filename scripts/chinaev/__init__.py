"""China EV book: data package, derivations, charts and chapter runs."""
