#!/usr/bin/env python3
"""Time `bulkhead mcp` with the official MCP Python SDK as the client (stdio).

    python3 bench/mcp_timing.py BULKHEAD_BIN [ROUNDS]

Prints: start to initialized; the first tools/list after start; docker_listContainers (all containers) the
first time (connects to the engine, negotiates the API version) and the median over ROUNDS (default 10) more
calls; bulkhead_auditHost once. Times are client-side round trips in milliseconds.
"""
import asyncio
import statistics
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(binary: str, rounds: int) -> None:
    params = StdioServerParameters(command=binary, args=["mcp", "--log-file", "/dev/null"])
    t0 = time.perf_counter()
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            t_init = time.perf_counter()
            tools = await s.list_tools()
            t_list = time.perf_counter()
            print(f"start -> initialized: {(t_init - t0) * 1000:.1f} ms")
            print(f"first tools/list ({len(tools.tools)} tools): {(t_list - t_init) * 1000:.1f} ms")

            async def timed(name, args):
                a = time.perf_counter()
                res = await s.call_tool(name, args)
                b = time.perf_counter()
                if res.is_error:
                    raise SystemExit(f"{name} failed: {res.content[0].text}")
                return (b - a) * 1000, res.structured_content

            first, doc = await timed("docker_listContainers", {"all": True, "limit": 500})
            n = doc["counts"]["containers"]
            print(f"docker_listContainers, {n} containers, first call: {first:.1f} ms")
            times = [(await timed("docker_listContainers", {"all": True, "limit": 500}))[0] for _ in range(rounds)]
            print(
                f"docker_listContainers, {n} containers: median {statistics.median(times):.1f} ms, "
                f"max {max(times):.1f} ms over {rounds} calls"
            )
            t, doc = await timed("bulkhead_auditHost", {"limit": 5})
            print(f"bulkhead_auditHost, {doc['audited']['containers']} containers, {doc['counts']['total']} findings: {t:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10))
