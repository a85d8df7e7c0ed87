"""A private PostgreSQL primary and its streaming replica, for the read-replica tests.

Both live in a temporary folder on free ports (never the machine's cluster on 5432) and are removed afterwards.
The server binaries come from /usr/lib/postgresql/<version>/bin; as root, they run as the postgres user (the
server refuses to run as root). Speed over safety: fsync is off, they hold only test data.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.redis_server import free_port


def server_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None when the server is not installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PgCluster:
    """One PostgreSQL server in its own folder: `start`, `stop`, `url(dbname)`."""

    def __init__(self, bin_dir: Path, folder: Path, port: int, runner: list[str]):
        self.bin_dir, self.data, self.port, self.runner = bin_dir, folder, port, runner

    def run(self, tool: str, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [*self.runner, str(self.bin_dir / tool), *args], capture_output=True, text=True, timeout=timeout
        )
        if result.returncode:
            raise RuntimeError(f"{tool} failed: {result.stderr or result.stdout}")
        return result.stdout

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica"
        self.run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"


class PrimaryWithReplica:
    """`primary` (wal_level=replica) and `replica`, a hot standby made with pg_basebackup -R that streams from it."""

    def __init__(self):
        self.bin_dir = server_bin()
        if self.bin_dir is None:
            raise FileNotFoundError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.root = Path(tempfile.mkdtemp(prefix="crm-pg-"))
        runner = []
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
            runner = ["runuser", "-u", "postgres", "--"]
        self.primary = PgCluster(self.bin_dir, self.root / "primary", free_port(), runner)
        self.replica = PgCluster(self.bin_dir, self.root / "replica", free_port(), runner)

    def start(self) -> None:
        primary = self.primary
        primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--no-sync")
        primary.start()
        # A fresh base backup, with primary_conninfo and standby.signal written (-R): the replica streams from here.
        primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        )
        self.replica.start()

    def close(self) -> None:
        for cluster in (self.replica, self.primary):
            if (cluster.data / "postmaster.pid").exists():
                cluster.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
