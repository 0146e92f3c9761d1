"""Throwaway PostgreSQL servers for the deployment tests: a primary that allows replication, a streaming replica made
from it with pg_basebackup, and PgBouncer in front of a server — the real programs from Debian's packages.

The machine's test PostgreSQL (infra/test.sh) allows no replication connections and is not ours to reconfigure, so
the replica test makes its own primary. PostgreSQL refuses to run as root: under root the servers run as the
`postgres` user (as infra/test-services.sh does)."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

PG_BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd


def _own_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.getuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    path.chmod(0o700)
    return path


def _run(cmd: list[str]) -> None:
    out = subprocess.run(_as_postgres(cmd), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stdout}{out.stderr}")


@dataclass
class Server:
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.data / "log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
                "start",
            ]
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data, ignore_errors=True)


def start_primary() -> Server:
    data = _own_dir("openccus-primary-")
    _run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"])
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    with open(data / "postgresql.conf", "a") as conf:
        # Durability is not what these tests are about: no fsync keeps them quick on a busy machine.
        conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\nsynchronous_commit = off\n")
    server = Server(data=data, port=free_port())
    server.start()
    return server


def start_replica(primary: Server) -> Server:
    data = _own_dir("openccus-replica-")
    _run(
        [
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ]
    )
    server = Server(data=data, port=free_port())
    server.start()
    return server


async def wait_replayed(primary: Server, replica: Server, within_s: float = 30.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    p = await asyncpg.connect(primary.url())
    try:
        target = await p.fetchval("SELECT pg_current_wal_lsn()")
    finally:
        await p.close()
    r = await asyncpg.connect(replica.url())
    try:
        deadline = time.monotonic() + within_s
        while True:
            if await r.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not catch up")
            await asyncio.sleep(0.05)
    finally:
        await r.close()


@dataclass
class Bouncer:
    process: subprocess.Popen
    port: int
    folder: Path

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_pgbouncer(*, server_port: int, database: str, pool_size: int = 4) -> Bouncer:
    """PgBouncer in transaction pooling mode in front of one database (Debian's pgbouncer package)."""
    folder = _own_dir("openccus-pgbouncer-")
    port = free_port()
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{database} = host=127.0.0.1 port={server_port} dbname={database}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {folder}\n"
        "auth_type = trust\n"
        f"auth_file = {folder}/userlist.txt\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 200\n"
        f"logfile = {folder}/pgbouncer.log\n"
    )
    if os.getuid() == 0:
        for f in folder.iterdir():
            shutil.chown(f, "postgres", "postgres")
    process = subprocess.Popen(
        _as_postgres(["/usr/sbin/pgbouncer", str(folder / "pgbouncer.ini")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Bouncer(process=process, port=port, folder=folder)
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(
        f"pgbouncer did not start: {(folder / 'pgbouncer.log').read_text() if (folder / 'pgbouncer.log').exists() else ''}"
    )
