"""ringConnector: Ring doorbell event videos, downloaded for the programs that use them.

The layers, bottom to top (a module imports its own layer and those below, never above;
tests/test_layers.py checks it):

    errors, config, logs, metrics, retry   shared by every layer
    model/        plain data: days, events, the event JSON
    storage/      DATA_DIR and the token files, synchronous
    sources/      the only code that speaks to Ring (consumer/, partner/, http.py)
    download/     the downloads, async in the Connector's loop
    connector.py  the sync face and the one asyncio loop
    web/          the REST API (Flask)
    cli/          the scripts (argparse, terminals)

The emulator (emulator/) stands apart: a stand-in for Ring that imports nothing of the rest.
"""
