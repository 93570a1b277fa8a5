"""Run the proxy: load the catalogue and configuration, listen, stop on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import web

from claude_preflight.config import Config
from claude_preflight.proxy.app import build_app
from claude_preflight.proxy.checking import Checker
from claude_preflight.proxy.logs import EventLog
from claude_preflight.proxy.settings import LOOPBACK_NAMES, ProxySettings, base_url


def make_checker(settings: ProxySettings, config: Config) -> Checker:
    from claude_preflight.catalogue import load_catalogue

    catalogue = load_catalogue([*config.catalogue, *settings.catalogue])
    return Checker(settings.checked(), catalogue, config)


def startup_notes(settings: ProxySettings) -> list[str]:
    notes = []
    if settings.host.strip("[]") not in LOOPBACK_NAMES:
        notes.append(f"listening on {settings.host}, not loopback: anyone who can reach it can send requests through it")
    if settings.mode == "fix":
        notes.append("fix mode forwards signed requests (AWS SigV4) unchanged and reports them, as in warn mode")
    return notes


@asynccontextmanager
async def running(settings: ProxySettings, checker: Checker, log: EventLog) -> AsyncIterator[str]:
    """Serve the proxy while the block runs; yields the URL it listens on."""
    app = build_app(settings, checker, log)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        port = settings.port
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            port = sockets[0].getsockname()[1]
        yield base_url(settings.host, port)
    finally:
        await runner.cleanup()


async def serve(settings: ProxySettings, config: Config, log: EventLog) -> None:
    checker = make_checker(settings, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - Windows, threads
            pass
    async with running(settings, checker, log) as url:
        log.started(url, settings.upstream_base, settings.mode, startup_notes(settings))
        await stop.wait()
    log.stopped()
