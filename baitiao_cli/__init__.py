"""baitiao: billing and risk engine for a Baitiao-style buy-now-pay-later product.

Layout (functional core, imperative shell):
- ``baitiao_cli.engine``: pure domain code (no I/O, no printing, no wall clock);
- ``baitiao_cli.io``: loading and validating files, config, atomic writes and journals;
- ``baitiao_cli.cli``: one thin module per command;
- ``baitiao_cli.render``: the one place output is formatted (table / JSON / CSV).
"""

__version__ = "0.1.0"
