#!/usr/bin/env python3
"""bits benchmarks P1-P7 against curl, nginx and Felix EventAdmin on 127.0.0.1, measured side by side in one run.

P1  one 2 GiB file to disk: bits (data durable at TRANSFERRED) vs `curl -o` + fsync, and plain `curl -o`
P2  one job of 1000 x 64 KiB files in a running service (after 15 such jobs; its first job too) vs curl fetching the
    same list sequentially (one connection), in parallel, and followed by a sync of each file
P3  state change -> callback entry (p50, p99) at 10,000 changes/s offered, beside EventAdmin postEvent -> handler
P4  durable terminal notifications acknowledged per second
P5  TRANSFERRED -> handler ran: cold (installed from the samples index), installed but stopped, warm; beside a plain
    Felix install + start + getService of the same bundle
P6  engine start with 10k and 100k persisted jobs -> manager ready (over an empty store); heap per idle job
P7  bytes downloaded twice after kill -9 mid-transfer (one checkpoint is 8 MiB)
CLI `./bits list --json` one-shot (JVM + framework) vs attached to `./bits serve` (SPEC S4), and curl GET /jobs/ID
CLUSTER engines sharing one PostgreSQL queue (SPEC C2-C4): jobs claimed and completed per second by 3 engines beside
    one engine on SQLite, the takeover time after kill -9, and P1, P2, P4 with the jobs in PostgreSQL

Every bits run is a cold `java -jar cnf/target/bits.jar` process (JVM and framework start included), like curl's.
Runs alternate between the contenders. Writes bench/results/latest.md.
"""
import argparse
import glob, json, hashlib, os, platform, pwd, random, resource, select, shlex, shutil, signal, socket, statistics, struct, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "cnf", "target", "bits.jar")
JAVA = shutil.which("java") or "java"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, work):
        self.prefix = os.path.join(work, "nginx")
        self.root = os.path.join(work, "www")
        os.makedirs(self.prefix, exist_ok=True)
        os.makedirs(self.root, exist_ok=True)
        self.port = free_port()
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = f"""{user}worker_processes 1;
daemon off;
error_log {self.prefix}/error.log;
pid {self.prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  log_format bits '$uri $status "$http_range" $body_bytes_sent';
  access_log {self.prefix}/access.log bits;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path {self.prefix}/body;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
    location /limited/ {{ alias {self.root}/; limit_rate 16m; }}
    location /slow/ {{ alias {self.root}/; limit_rate 256k; }}
    location /dav/ {{ alias {self.root}/dav/; dav_methods PUT; create_full_put_path on; client_max_body_size 0; }}
  }}
}}
"""
        with open(os.path.join(self.prefix, "nginx.conf"), "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", os.path.join(self.prefix, "nginx.conf")])
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("nginx did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}"

    def log_lines(self, prefix):
        with open(os.path.join(self.prefix, "access.log")) as f:
            return [l.split() for l in f if l.startswith(prefix + " ")]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)  # stopped by its own pid
        self.proc.wait(10)


class Service:
    """A long-running engine (`java -jar bits.jar`, Gogo reading commands from a pipe): bits as a service, like BITS."""

    def __init__(self, store, opts, config=None):
        self.p = subprocess.Popen([JAVA, *opts, f"-Dfelix.fileinstall.dir={config or CONFIG_DIR}", f"-Dbits.store.directory={store}", f"-Dlaunch.storage.dir={store}/framework", "-jar", JAR],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        time.sleep(3)  # FileInstall applies bits.engine.cfg, and the engine restarts with it
        self.run("bits:list")

    def run(self, commands):
        self.p.stdin.write(commands + "\necho __done__\n")  # its own line: runs even if a command failed
        self.p.stdin.flush()
        out = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("the bits service ended: " + "".join(out[-20:]))
            if "__done__" in line:
                return "".join(out)
            out.append(line)

    def cpu(self):
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed(self, commands):
        c0, t0 = self.cpu(), time.perf_counter()
        out = self.run(commands)
        # bits:wait prints the states it passes, TRANSIENT_ERROR (with its exception) among them: not a failure
        said = "".join(line for line in out.splitlines(True) if not line.startswith("bits: TRANSIENT_ERROR"))
        if "Exception" in said or "rror" in said:
            raise SystemExit("bits: " + out)
        return time.perf_counter() - t0, self.cpu() - c0

    def stop(self):
        self.p.stdin.write("stop 0\n")
        self.p.stdin.flush()
        self.p.wait(60)

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(30)


class Postgres:
    """Debian's PostgreSQL on a loopback port, its data in the bench's work directory (initdb + pg_ctl, as the tests do)."""

    def __init__(self, work):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not found:
            raise SystemExit("CLUSTER: PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = os.path.dirname(found[-1])
        self.dir = os.path.join(work, "pg")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.owner = []
        if os.geteuid() == 0:  # initdb refuses root: the server runs as the postgres user
            os.chown(self.dir, pwd.getpwnam("postgres").pw_uid, -1)
            self.owner = ["runuser", "-u", "postgres", "--"]
        self.data = os.path.join(self.dir, "data")
        subprocess.run([*self.owner, f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync"], check=True, capture_output=True)
        self.port = free_port()
        subprocess.run([*self.owner, f"{self.bin}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "-w", "start"], check=True, capture_output=True)
        self.databases = 0

    def new_database(self):
        self.databases += 1
        name = f"bench_{self.databases}"
        self.sql("postgres", f"CREATE DATABASE {name}")
        return name

    def url(self, db):
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{db}"

    def sql(self, db, query):
        return subprocess.run([f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db, "-tAq", "-c", query],
                              check=True, capture_output=True, text=True).stdout.strip()

    def stop(self):
        subprocess.run([*self.owner, f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], capture_output=True)


def pg_config(work, pg, db, name, extra=""):
    """A FileInstall directory whose bits.engine.cfg puts the jobs in PostgreSQL; one secrets key for all engines."""
    d = os.path.join(work, "config-" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "bits.engine.cfg"), "w") as f:
        f.write(f"max.files.per.job=1000\nmax.jobs=200000\nmax.jobs.per.owner=200000\nstore.url={pg.url(db)}\nstore.user=postgres\n"
                f"secrets.key.file={os.path.join(work, 'cluster-secrets.key')}\n{extra}")
    return d


def timed(cmd, ok=(0,)):
    """Runs a command; returns (wall seconds, CPU seconds of it and its children)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in ok:
        raise SystemExit(f"{cmd[:3]}... exited {p.returncode}: {p.stdout.decode()[-2000:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


CONFIG_DIR = None  # set in main(): FileInstall reads bits.engine.cfg from it


def bits_cmd(store, commands, java_opts=()):
    return [JAVA, *java_opts, f"-Dfelix.fileinstall.dir={CONFIG_DIR}", f"-Dbits.store.directory={store}", f"-Dlaunch.storage.dir={store}/framework",
            f'-Dgosh.args=--nointeractive -c "{commands}"', "-jar", JAR]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_file(path, size):
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    with open(path, "wb") as f:
        rnd = random.Random(size)
        left = size
        block = rnd.randbytes(1 << 20)
        i = 0
        while left > 0:
            n = min(left, len(block))
            f.write(block[:n] if i % 2 == 0 else block[::-1][:n])  # not compressible, cheap to make
            left -= n
            i += 1


def med(xs):
    return statistics.median(xs)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, bench, what, walls, cpus, peer_walls=None, peer_cpus=None, unit="s", note="", ratio_label="peer throughput"):
        row = {"bench": bench, "what": what, "median": med(walls), "min": min(walls), "max": max(walls),
               "cpu": med(cpus) if cpus else None, "n": len(walls), "unit": unit, "note": note, "ratio_label": ratio_label}
        if peer_walls:
            row["ratio"] = med(peer_walls) / med(walls)  # > 1: bits is faster (throughput ratio)
            row["cpu_ratio"] = (med(cpus) / med(peer_cpus)) if cpus and peer_cpus else None
        self.rows.append(row)

    def markdown(self):
        out = ["| bench | what | median | min | max | CPU (median) | runs | vs peer |", "|---|---|---|---|---|---|---|---|"]
        for r in self.rows:
            vs = ""
            if "ratio" in r:
                vs = f"{r['ratio']:.2f}x {r['ratio_label']}" + (f", {r['cpu_ratio']:.2f}x peer CPU" if r.get("cpu_ratio") else "")
            if r["note"]:
                vs = (vs + "; " if vs else "") + r["note"]
            cpu = f"{r['cpu']:.2f} s" if r["cpu"] is not None else ""
            fmt = (lambda v: f"{v:.2f} {r['unit']}") if r["unit"] in ("s", "ms") else (lambda v: f"{v:,.1f} {r['unit']}") if r["unit"] == "us" else (lambda v: f"{v:,.0f} {r['unit']}")
            out.append(f"| {r['bench']} | {r['what']} | {fmt(r['median'])} | {fmt(r['min'])} | {fmt(r['max'])} | {cpu} | {r['n']} | {vs} |")
        return "\n".join(out)


def p1(nginx, work, table, runs, size, opts, pg_cfg=None):
    src = os.path.join(nginx.root, "p1.bin")
    make_file(src, size)
    want = sha256(src)
    out = os.path.join(work, "out")
    os.makedirs(out, exist_ok=True)
    dest = os.path.join(out, "p1.bin")
    url = nginx.url("p1.bin")
    store = os.path.join(work, "store-p1")
    shutil.rmtree(store, ignore_errors=True)
    service = Service(store, opts)
    on_pg = Service(os.path.join(work, "store-p1-pg"), opts, pg_cfg) if pg_cfg else None
    res = {"curl": ([], []), "curl+fsync": ([], []), "bits": ([], []), "bits cold": ([], []), "bits pg": ([], [])}
    try:
        for i in range(runs):
            for name in ("curl+fsync", "bits", "curl", "bits cold") + (("bits pg",) if on_pg else ()):
                if os.path.exists(dest):
                    os.remove(dest)
                if name == "curl":
                    w, c = timed(["curl", "-s", "-o", dest, url])
                elif name == "curl+fsync":
                    w, c = timed(["sh", "-c", f'curl -s -o "{dest}" "{url}" && sync "{dest}"'])
                elif name in ("bits", "bits pg"):
                    w, c = (service if name == "bits" else on_pg).timed(
                        f"bits:create p1-{i}; bits:addfile p1-{i} {url} {dest}; bits:setpriority p1-{i} FOREGROUND; "
                        f"bits:resume p1-{i}; bits:wait p1-{i}; bits:complete p1-{i}")
                else:
                    cold = os.path.join(work, f"store-p1-cold-{i}")
                    shutil.rmtree(cold, ignore_errors=True)
                    w, c = timed(bits_cmd(cold, f"bits:create p1; bits:addfile p1 {url} {dest}; bits:setpriority p1 FOREGROUND; "
                                                "bits:resume p1; bits:wait p1; bits:complete p1; stop 0", opts), ok=(0, 117))
                if name.startswith("bits") and i == 0 and sha256(dest) != want:
                    raise SystemExit("P1: bits produced a different file")
                res[name][0].append(w)
                res[name][1].append(c)
                print(f"  P1 run {i + 1} {name}: {w:.2f} s wall, {c:.2f} s CPU", flush=True)
    finally:
        service.stop()
        if on_pg:
            on_pg.stop()
    # the engine's client alone, with a copy loop as simple as can be (Clients.java: a 64 KiB heap buffer written to the
    # file's channel, one sync at the end), beside curl's: what the JDK's part of these bytes costs without the engine
    lst = os.path.join(work, "p1-client.txt")
    with open(lst, "w") as f:
        f.write(f"{url} p1.bin\n")
    alone = os.path.join(work, "out-p1-client")
    shutil.rmtree(alone, ignore_errors=True)
    walls, cpus = client_rounds(lst, alone, "urlconnection", "sync", 1, runs)
    shutil.rmtree(alone, ignore_errors=True)
    print(f"  P1 HttpURLConnection alone: {', '.join(f'{w:.2f}' for w in walls)} s, {', '.join(f'{c:.2f}' for c in cpus)} s CPU", flush=True)
    gib = size / (1 << 30)
    table.add("P1", f"bits service, {gib:g} GiB, durable at TRANSFERRED, then complete()", *res["bits"], *res["curl+fsync"],
              note="peer: curl -o + fsync; goal >= 1.0x, CPU <= 1.3x")
    table.add("P1", "bits one-shot process (JVM + framework start included)", *res["bits cold"], *res["curl+fsync"], note="peer: curl -o + fsync")
    if on_pg:
        table.add("P1", f"bits service, {gib:g} GiB, the jobs in PostgreSQL (SPEC C1)", *res["bits pg"], *res["curl+fsync"],
                  note=f"peer: curl -o + fsync; SQLite's median in this run {med(res['bits'][0]):.2f} s")
    table.add("P1", f"java.net.HttpURLConnection alone, {gib:g} GiB to a file, synced, warm JVM", walls, cpus, *res["curl+fsync"],
              note="peer: curl -o + fsync of the same run; no goal: the JDK's client without the engine (a 64 KiB heap buffer "
                   "written to the file's channel, one sync at the end)")
    table.add("P1", "curl -o + fsync", *res["curl+fsync"])
    table.add("P1", "curl -o (no fsync, reference)", *res["curl"])


WARM_JOBS = 15  # P2: jobs a service runs before its measured ones


def p2(nginx, work, table, runs, count, opts, pg_cfg=None):
    d = os.path.join(nginx.root, "p2")
    os.makedirs(d, exist_ok=True)
    for i in range(count):
        make_file(os.path.join(d, f"f{i}.bin"), 64 << 10)
    # Each run writes into a directory of its own, and the files are deleted only after the last run: ext4 does not
    # reuse an inode freed less than about 30 s ago, and scans past each such inode when it makes a file, so deleting
    # 1,000 files before each run made every new file slower run by run (curl's 0.25 s grew to 1.1 s within one P2;
    # perf: recently_deleted and find_inode_bit took a third of curl's time)
    outs = os.path.join(work, "out-p2")
    shutil.rmtree(outs, ignore_errors=True)
    res = {"curl": ([], []), "curl -Z": ([], []), "curl + fsync": ([], []), "bits": ([], []), "bits pg": ([], [])}
    store = os.path.join(work, "store-p2")
    shutil.rmtree(store, ignore_errors=True)
    service = Service(store, opts)
    on_pg = Service(os.path.join(work, "store-p2-pg"), opts, pg_cfg) if pg_cfg else None

    def job(svc, tag, out):
        lst = os.path.join(work, "p2-bits.txt")
        with open(lst, "w") as f:
            for i in range(count):
                f.write(f'{nginx.url(f"p2/f{i}.bin")} {out}/f{i}.bin\n')
        w, c = svc.timed(f"bits:create p2-{tag}; bits:addfileset p2-{tag} {lst}; bits:setpriority p2-{tag} FOREGROUND; "
                         f"bits:resume p2-{tag}; bits:wait p2-{tag}; bits:complete p2-{tag}")
        if len(os.listdir(out)) != count:
            raise SystemExit(f"P2: bits left {len(os.listdir(out))} of {count} files")
        return w, c

    # A service runs for days: it is measured as it runs once its JIT compiled the paths a small file takes. That takes
    # about 15 jobs of 1,000 files (the JIT log: the optimising compiler's work falls from ~200 methods per 3 s to ~20,
    # and its threads' CPU per job from 0.4-0.6 s to 0.02 s), so each service runs 15 jobs before the measured ones.
    # The first, in a service just started, has a row of its own.
    first = {}
    for name, svc in (("bits", service), ("bits pg", on_pg)):
        for w in range(WARM_JOBS if svc else 0):
            out = os.path.join(outs, f"warm-{name.replace(' ', '')}-{w}")
            os.makedirs(out)
            wall, cpu = job(svc, f"warm{w}", out)
            if w == 0:
                first[name] = ([wall], [cpu])
        if svc:
            print(f"  P2 {name}: {WARM_JOBS} jobs to warm the service, the first {first[name][0][0]:.2f} s", flush=True)
    for r in range(runs):
        for name in ("curl", "curl -Z", "curl + fsync", "bits") + (("bits pg",) if on_pg else ()):
            out = os.path.join(outs, f"{name.replace(' ', '').replace('+', '-')}-{r}")
            os.makedirs(out)
            if name.startswith("curl"):
                cfg = os.path.join(work, "p2-curl.cfg")
                with open(cfg, "w") as f:
                    for i in range(count):
                        f.write(f'url = "{nginx.url(f"p2/f{i}.bin")}"\noutput = "{out}/f{i}.bin"\n')
                if name == "curl + fsync":  # each file's data synced (fdatasync) after all are fetched; no directory sync: a lower bound
                    w, c = timed(["sh", "-c", f'curl -s -K {shlex.quote(cfg)} && sync -d {shlex.quote(out)}/*'])
                else:
                    w, c = timed(["curl", "-s", "-K", cfg] if name == "curl" else ["curl", "-s", "-Z", "--parallel-max", "8", "-K", cfg])
            else:
                w, c = job(service if name == "bits" else on_pg, str(r), out)
            res[name][0].append(w)
            res[name][1].append(c)
            print(f"  P2 run {r + 1} {name}: {w:.2f} s wall, {c:.2f} s CPU", flush=True)
    service.stop()
    if on_pg:
        on_pg.stop()
    table.add("P2", f"bits service, one job of {count} x 64 KiB", *res["bits"], *res["curl"],
              note=f"peer: curl -K list, sequential; goal >= 1.0x; the service ran {WARM_JOBS} such jobs before (its first: next row)")
    table.add("P2", f"bits service, its first job of {count} x 64 KiB after its start", *first["bits"], *res["curl"],
              note="one run; peer: curl -K list, sequential")
    table.add("P2", f"bits service, one job of {count} x 64 KiB, against curl in parallel", *res["bits"], *res["curl -Z"],
              note="peer: curl -Z --parallel-max 8 -K list; goal >= 0.8x")
    if on_pg:
        table.add("P2", f"bits service, one job of {count} x 64 KiB, the jobs in PostgreSQL (SPEC C1)", *res["bits pg"], *res["curl"],
                  note=f"peer: curl -K list, sequential; SQLite's median in this run {med(res['bits'][0]):.2f} s")
    table.add("P2", f"bits service, one job of {count} x 64 KiB, against curl + fsync", *res["bits"], *res["curl + fsync"],
              note="peer: curl -K list, sequential, then sync -d (fdatasync) of each file, no directory sync: a lower bound for a durable peer (bits makes each file durable before TRANSFERRED); no goal")
    clients(work, table, nginx, count, runs, outs, res)
    shutil.rmtree(outs, ignore_errors=True)
    table.add("P2", f"curl, {count} x 64 KiB sequential", *res["curl"])
    table.add("P2", f"curl, {count} x 64 KiB sequential, then each file synced", *res["curl + fsync"])
    table.add("P2", f"curl -Z --parallel-max 8, {count} x 64 KiB", *res["curl -Z"])


def clients(work, table, nginx, count, runs, outs, res):
    """P2's files fetched by each of the JDK's HTTP clients alone, one JVM warmed by 3 rounds (bench/Clients.java), to
    tell the engine's cost per file from its client's; with and without a sync of each file, against curl's rows of
    the same run."""
    lst = os.path.join(work, "p2-clients.txt")
    with open(lst, "w") as f:
        for i in range(count):
            f.write(f'{nginx.url(f"p2/f{i}.bin")} f{i}.bin\n')
    names = {"httpclient": "java.net.http.HttpClient (HTTP/1.1; the engine's for https and uploads)",
             "urlconnection": "java.net.HttpURLConnection (the engine's for a plain http GET)"}
    for client, label in names.items():
        for sync in ("nosync", "sync"):
            out = os.path.join(outs, f"{client}-{sync}")  # its rounds' directories (Clients.java); deleted after the last client
            walls, cpus = client_rounds(lst, out, client, sync, 3, runs)
            print(f"  P2 {client} {sync}: {', '.join(f'{w:.2f}' for w in walls)} s", flush=True)
            peer = res["curl + fsync"] if sync == "sync" else res["curl"]
            table.add("P2", f"{label} alone, {count} x 64 KiB to files one after another{', each synced' if sync == 'sync' else ''}, warm JVM",
                      walls, cpus, *peer, note=f"peer: curl{' + fsync' if sync == 'sync' else ''} of the same run; no goal: where the engine's time per file goes")


def client_rounds(lst, out, client, sync, warmup, rounds):
    """bench/Clients.java: the list's files fetched by one of the JDK's clients alone, in one JVM, `warmup` rounds and
    then `rounds` measured ones, each into a directory of its own under `out`; returns the measured walls and CPUs."""
    os.makedirs(out)
    # the receive buffer the engine gives the JDK's client (Scheduler), as a JVM option: read once, at its first use
    run = subprocess.run([JAVA, "-Djdk.httpclient.bufsize=262144", os.path.join(ROOT, "bench", "Clients.java"), lst, out, client, sync,
                          str(warmup), str(rounds)], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{client} {sync} failed: {run.stderr[-2000:]}")
    measured = [l.split()[1:] for l in run.stdout.splitlines() if l.startswith("round ")]
    return [float(w) for w, _ in measured], [float(c) for _, c in measured]


class ResetProxy:
    """A loopback TCP proxy in front of nginx that resets every connection (RST) after `every` bytes of its response,
    or passes everything with every=None: the same path for the clean run and the interrupted one (P8)."""

    def __init__(self, target, every):
        self.target, self.every = target, every
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.open = True
        threading.Thread(target=self.accept, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}"

    def accept(self):
        while self.open:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client):
        """Both directions of one connection on one thread (select): a reset is then a close that nothing else holds."""
        sent = 0
        upstream = None
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target))
            while True:
                ready, _, _ = select.select([client, upstream], [], [])
                if client in ready:
                    data = client.recv(1 << 16)
                    if not data:
                        break
                    upstream.sendall(data)
                if upstream in ready:
                    data = upstream.recv(1 << 16)
                    if not data:
                        break
                    if self.every is not None and sent + len(data) >= self.every:
                        client.sendall(data[:self.every - sent])
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
                        break
                    client.sendall(data)
                    sent += len(data)
        except OSError:
            pass
        client.close()
        if upstream:
            upstream.close()

    def stop(self):
        self.open = False
        self.server.close()


def upload(nginx, work, table, runs, size, opts):
    """SPEC U1/U3: an upload job to the engine's own upload endpoint (the BITS upload protocol, synced at the server every
    64 MiB and at the last byte, Close-Session renaming it into place), beside curl -T to nginx's WebDAV PUT (nothing synced) in the same run."""
    src_dir = os.path.join(work, "up-src")
    os.makedirs(src_dir, exist_ok=True)
    src = os.path.join(src_dir, "up.bin")
    make_file(src, size)
    want = sha256(src)
    received = os.path.join(work, "up-received")
    shutil.rmtree(received, ignore_errors=True)
    os.makedirs(received)
    dav = os.path.join(nginx.root, "dav")
    os.makedirs(dav, exist_ok=True)
    cfg = os.path.join(work, "config-up")
    shutil.rmtree(cfg, ignore_errors=True)
    os.makedirs(cfg)
    with open(os.path.join(CONFIG_DIR, "bits.engine.cfg")) as f:
        engine_cfg = f.read()
    with open(os.path.join(cfg, "bits.engine.cfg"), "w") as f:
        f.write(engine_cfg + f"file.roots={src_dir}\n")
    with open(os.path.join(cfg, "bits.upload-bench.cfg"), "w") as f:
        f.write(f"name=bench\npath=/up\ndirectory={received}\noverwrite=true\n")
    store = os.path.join(work, "store-up")
    shutil.rmtree(store, ignore_errors=True)
    service = Service(store, opts, config=cfg)
    res = {"bits": ([], []), "curl": ([], []), "curl+fsync": ([], [])}
    try:
        for _ in range(200):
            if os.path.exists(os.path.join(store, "api-address")) and os.path.isdir(os.path.join(received, ".bits-sessions")):
                break
            time.sleep(0.05)
        with open(os.path.join(store, "api-address")) as f:
            api = f.read().strip()
        base = api[:api.index("/bits/api")]
        with open(os.path.join(store, "api-tokens")) as f:
            token = next(l.split()[0] for l in f if l.strip().endswith(" *"))
        for i in range(runs + 1):  # the first round warms the engine up, and is not counted
            w, c = service.timed(f"bits:create --type upload up{i}; bits:addfile up{i} {base}/up/up.bin {src}; "
                                 f"bits:setcustomheaders up{i} \"Authorization: Bearer {token}\"; bits:setpriority up{i} FOREGROUND; "
                                 f"bits:resume up{i}; bits:wait up{i}; bits:complete up{i}")
            if sha256(os.path.join(received, "up.bin")) != want:
                raise SystemExit("UPLOAD: the endpoint holds a different file")
            wc, cc = timed(["curl", "-sf", "-o", "/dev/null", "-T", src, nginx.url("dav/up.bin")])
            ws, cs = timed(["sh", "-c", f"curl -sf -o /dev/null -T {src} {nginx.url('dav/up.bin')} && python3 -c \"import os;fd=os.open('{dav}/up.bin',os.O_RDONLY);os.fsync(fd)\""])
            if sha256(os.path.join(dav, "up.bin")) != want:
                raise SystemExit("UPLOAD: nginx holds a different file")
            if i > 0:
                for name, (wx, cx) in (("bits", (w, c)), ("curl", (wc, cc)), ("curl+fsync", (ws, cs))):
                    res[name][0].append(wx)
                    res[name][1].append(cx)
            print(f"  UPLOAD run {i}{' (warm-up)' if i == 0 else ''}: bits {w:.2f} s ({c:.2f} s CPU, client and server), curl -T {wc:.2f} s,"
                  f" curl -T + fsync {ws:.2f} s", flush=True)
    finally:
        service.stop()
    gib = size / (1 << 30)
    table.add("UPLOAD", f"bits upload job of {gib:g} GiB to the engine's own upload endpoint (8 MiB fragments, synced every 64 MiB and at the end), closed",
              *res["bits"], *res["curl+fsync"], note="peer: curl -T to nginx WebDAV PUT, then fsync; CPU: the bits engine is client and server")
    table.add("UPLOAD", "curl -T to nginx WebDAV PUT + fsync", *res["curl+fsync"])
    table.add("UPLOAD", "curl -T to nginx WebDAV PUT (no sync, reference)", *res["curl"])


def p10(nginx, work, table, runs):
    """./bits transfer of 10 MiB from the loopback nginx, the whole command (wrapper, JVM, framework, job, complete),
    beside curl -o of the same file. The first run makes the wrapper's class data sharing archive and is not counted."""
    make_file(os.path.join(nginx.root, "p10.bin"), 10 << 20)
    store = os.path.join(work, "store-p10")
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(os.path.join(ROOT, "cnf", "target", "cds"), ignore_errors=True)
    env = dict(os.environ, BITS_NO_BUILD="1")
    res = {"bits": ([], []), "curl": ([], [])}
    for r in range(runs + 1):
        for name in ("bits", "curl"):
            dest = os.path.join(work, f"p10-{name}-{r}.bin")
            cmd = ["sh", os.path.join(ROOT, "bits"), "--store", store, "transfer", nginx.url("p10.bin"), dest] if name == "bits" \
                else ["curl", "-s", "-o", dest, nginx.url("p10.bin")]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, env=env)
            w = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode != 0 or os.path.getsize(dest) != 10 << 20:
                raise SystemExit(f"P10 {name} failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
            os.remove(dest)
            print(f"  P10 run {r}{' (makes the archive, not counted)' if r == 0 else ''} {name}: {w:.2f} s", flush=True)
            if r > 0:
                res[name][0].append(w)
                res[name][1].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    table.add("P10", "./bits transfer of 10 MiB from loopback nginx, one-shot (JVM, framework, job, complete())", *res["bits"], *res["curl"],
              note="peer: curl -o; goal <= 1.0 s")
    table.add("P10", "curl -o, 10 MiB", *res["curl"])


def p8(nginx, work, table, runs, size, every, opts):
    """Recovery from interruptions (SPEC J8): a FOREGROUND job of `size` bytes whose connection is reset every `every`
    bytes, against the same file through the same proxy without resets, on the same warm engine."""
    src = os.path.join(nginx.root, "p8.bin")
    make_file(src, size)
    want = sha256(src)
    out = os.path.join(work, "out-p8")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    store = os.path.join(work, "store-p8")
    shutil.rmtree(store, ignore_errors=True)
    service = Service(store, opts)
    clean, reset = ResetProxy(nginx.port, None), ResetProxy(nginx.port, every)
    res = {"clean": ([], []), "reset": ([], [])}
    try:
        for i in range(runs + 1):  # the first round warms the engine up, and is not counted
            for name, proxy in (("clean", clean), ("reset", reset)):
                dest = os.path.join(out, f"{name}-{i}.bin")
                w, c = service.timed(f"bits:create p8-{name}-{i}; bits:addfile p8-{name}-{i} {proxy.url('p8.bin')} {dest}; "
                                     f"bits:setpriority p8-{name}-{i} FOREGROUND; bits:resume p8-{name}-{i}; bits:wait p8-{name}-{i}; "
                                     f"bits:complete p8-{name}-{i}")
                if sha256(dest) != want:
                    raise SystemExit(f"P8: bits produced a different file ({name})")
                os.remove(dest)
                if i > 0:
                    res[name][0].append(w)
                    res[name][1].append(c)
                print(f"  P8 run {i}{' (warm-up)' if i == 0 else ''} {name}: {w:.2f} s wall, {c:.2f} s CPU", flush=True)
    finally:
        service.stop()
        clean.stop()
        reset.stop()
    mib = size >> 20
    table.add("P8", f"bits service, {mib} MiB FOREGROUND, the connection reset after every {every >> 20} MiB of a response (headers included)",
              *res["reset"], *res["clean"], ratio_label="the clean run's speed",
              note="peer: the same file through the same proxy without resets; goal <= 1.5x the clean time (>= 0.67x its speed)")


def p6(work, table, runs, sizes, opts):
    # the newest API jar: bits.api has its own version, and an older build may have left another beside it
    api = max((j for j in glob.glob(os.path.join(ROOT, "bits.api/target/bits.api-*.jar")) if not j.endswith(("-sources.jar", "-javadoc.jar"))),
              key=os.path.getmtime)
    cp = ":".join([api,
                   os.path.join(ROOT, "bits.engine/target/bits.engine-0.1.0-SNAPSHOT.jar"),
                   find_jar("org/xerial/sqlite-jdbc"), os.path.join(work, "classes")])
    os.makedirs(os.path.join(work, "classes"), exist_ok=True)
    subprocess.run(["javac", "-d", os.path.join(work, "classes"), "-cp", cp, os.path.join(ROOT, "bench", "StoreFill.java")], check=True)
    empty = os.path.join(work, "store-p6-0")
    shutil.rmtree(empty, ignore_errors=True)
    base = []
    for n in sizes:
        store = os.path.join(work, f"store-p6-{n}")
        shutil.rmtree(store, ignore_errors=True)
        fill = subprocess.run([JAVA, "-cp", cp, "StoreFill", store, str(n)], check=True, capture_output=True, text=True).stdout
        info = dict(kv.split("=") for kv in fill.split())
        first = info["first"]
        walls, cpus = [], []
        for r in range(runs):
            w0, _ = timed(bits_cmd(empty, "stop 0", opts), ok=(0, 117))
            base.append(w0)
            w, c = timed(bits_cmd(store, f"bits:info {first}; stop 0", opts), ok=(0, 117))
            walls.append(w - w0)
            cpus.append(c)
            print(f"  P6 {n} jobs run {r + 1}: {w:.2f} s wall (empty store {w0:.2f} s)", flush=True)
        table.add("P6", f"start with {n:,} jobs -> manager ready, over an empty store", walls, cpus,
                  note=f"heap per idle job {int(info['heap_per_job']):,} B; goal <= {'1' if n <= 10000 else '5'} s")
    table.add("P6", "start with an empty store (JVM + framework)", base, [])


def p7(nginx, work, table, trials, opts):
    size = 96 << 20
    src = os.path.join(nginx.root, "p7.bin")
    make_file(src, size)
    want = sha256(src)
    twice = []
    for t in range(trials):
        out = os.path.join(work, f"out-p7-{t}")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        store = os.path.join(work, f"store-p7-{t}")
        shutil.rmtree(store, ignore_errors=True)
        dest = os.path.join(out, "p7.bin")
        before = len(nginx.log_lines("/limited/p7.bin"))
        first = subprocess.Popen(bits_cmd(store, f"bits:create p7; bits:addfile p7 {nginx.url('limited/p7.bin')} {dest}; "
                                                 "bits:setpriority p7 FOREGROUND; bits:resume p7", opts),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE)
        kill_at = random.randint(size // 4, size * 3 // 4)
        deadline = time.time() + 60
        while tmp_size(out) < kill_at:
            if time.time() > deadline:
                raise SystemExit("P7: no progress")
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        timed(bits_cmd(store, "bits:wait p7; bits:complete p7; stop 0", opts), ok=(0, 117))
        if sha256(dest) != want or tmp_size(out) != 0:
            raise SystemExit("P7: wrong file or temporary file left")
        served = sum(int(l[-1]) for l in nginx.log_lines("/limited/p7.bin")[before:])
        twice.append(served - size)
        print(f"  P7 trial {t + 1}: killed at {kill_at >> 20} MiB, downloaded twice {(served - size) / (1 << 20):.2f} MiB", flush=True)
    table.add("P7", "bytes downloaded twice after kill -9 (96 MiB file)", [x / (1 << 20) for x in twice], [], unit="MiB",
              note="goal <= 8 MiB; file intact, no temporary file")


def tmp_size(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".bits-tmp"))


def load(nginx, work, table, queued, foreground):
    """The load test: QUEUED jobs waiting while FOREGROUND jobs transfer at once (bench/Load.java, in process)."""
    cp, classes, index = inproc_classpath(work)
    w = os.path.join(work, "load")
    shutil.rmtree(w, ignore_errors=True)
    out = subprocess.run([JAVA, "-cp", cp + ":" + classes, "bitsbench.Load", JAR, index, w, nginx.root, nginx.url(""), str(queued), str(foreground)],
                         check=True, capture_output=True, text=True, timeout=1800).stdout
    line = next(l for l in out.splitlines() if l.startswith("LOAD "))
    print("  " + line, flush=True)
    v = dict(kv.split("=") for kv in line.split()[1:])
    table.add("LOAD", f"{int(v['foreground'])} FOREGROUND jobs resumed at once (8 MiB each, 16 MB/s per connection) beside {int(v['queued']):,} QUEUED",
              [float(v["fg_wall_s"])], [],
              note=f"{v['transferred']}/{v['foreground']} transferred, {v['errors']} errors, {float(v['fg_mib_per_s']):.0f} MiB/s, "
                   f"at most {v['max_transferring']} TRANSFERRING at once, {v['stalled_intervals']} half-seconds without progress; "
                   f"threads max {v['threads_max']}, file descriptors max {v['fds_max']}, heap max {float(v['heap_max_mb']):.0f} MB")
    table.add("LOAD", f"create + addFile + resume of {int(v['queued']):,} jobs", [int(v["queued"]) / float(v["create_per_s"])], [],
              note=f"{float(v['create_per_s']):,.0f} jobs/s (3 durable calls each); heap after GC with them queued "
                   f"{float(v['heap_queued_mb']):.0f} MB")


def create_suspended(service, nginx, out, n, name="q"):
    """n FOREGROUND jobs of one 4 KiB file each, SUSPENDED, created through the engine's shell, 500 lines at a time."""
    os.makedirs(out, exist_ok=True)
    lines = [f"bits:create {name}{i}; bits:addfile {name}{i} {nginx.url(f'cl/f{i % 1000}.bin')} {out}/{name}{i}; bits:setpriority {name}{i} FOREGROUND"
             for i in range(n)]
    for k in range(0, n, 500):
        said = service.run("\n".join(lines[k:k + 500]))
        if "rror" in said or "Exception" in said:
            raise SystemExit("CLUSTER: creating jobs failed: " + said[-2000:])


def drained(count, journal, n, limit_s):
    """Waits until n jobs are TRANSFERRED; @return the jobs completed per second between the first and the last completion."""
    deadline = time.time() + limit_s
    while count() < n:
        if time.time() > deadline:
            raise SystemExit(f"CLUSTER: {count()} of {n} jobs TRANSFERRED after {limit_s} s")
        time.sleep(0.5)  # the rate comes from the journal's times; each poll is a psql process and a backend the engines' cores pay for
    first, last, total, distinct = (int(x) for x in journal().split("|"))
    if total != n or distinct != n:
        raise SystemExit(f"CLUSTER: {total} completions of {distinct} jobs, expected each of {n} once")
    return (n - 1) / max((last - first) / 1000, 0.001)


def cluster(work, pg, name, count, opts):
    """count engines of the distribution on a new database; @return the database, an empty output directory, the engines"""
    db = pg.new_database()
    cfg = pg_config(work, pg, db, name)
    out = os.path.join(work, "out-" + name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    engines = [Service(os.path.join(work, f"store-{name}-{e}"), opts, cfg) for e in "abc"[:count]]
    while pg.sql(db, "SELECT count(*) FROM bits_engine") != str(count):  # all members
        time.sleep(0.1)
    return db, out, engines


# jobs a fleet of 3 engines drains before its rate is measured: their JIT compiled the claim, transfer and completion paths
CLUSTER_WARM_UP = 12_000

JOURNAL = "SELECT min(created_ms), max(created_ms), count(*), count(DISTINCT job) FROM journal WHERE kind = 'JOB_TRANSFERRED'"


def cluster_throughput(nginx, work, table, pg, runs, n, opts):
    """Claims + completions per second: n queued jobs drained by 3 engines on PostgreSQL, beside 1 engine on SQLite.

    Each run starts 3 engines, which drain batches of n jobs: CLUSTER_WARM_UP jobs first, then three measured batches, whose
    median is the run's figure. A running fleet is warm: a freshly started engine spends much of a 2-core machine
    compiling (each engine sees a third of the jobs), and the rate rose until about 10,000 jobs (2026-12-03: batches of
    2,000 at 202, 289, 432, 477, 522, 391, 630, 617, 454, 657/s; the compiler threads' share of the engines' CPU went
    from 70% to 20-40%). The first batch after the start is reported too."""
    d = os.path.join(nginx.root, "cl")
    os.makedirs(d, exist_ok=True)
    for i in range(1000):
        make_file(os.path.join(d, f"f{i}.bin"), 4096)
    rates = {"pg": [], "pg-first": [], "sqlite": []}
    queue_all = ("WITH q AS (UPDATE job SET state = 'QUEUED', version = version + 1 WHERE state = 'SUSPENDED' RETURNING id, version)"
                 " SELECT count(pg_notify('bits_jobs', id || ':' || version)) FROM q")
    warm_up = max(1, -(-CLUSTER_WARM_UP // n))
    for r in range(runs):
        # three engines on one database: the jobs are created SUSPENDED, then queued at once by one statement, whose
        # announcements wake the engines; each job is one claim, one transfer and one completion
        db, out, engines = cluster(work, pg, f"cl-{r}", 3, opts)
        try:
            measured = []
            for batch in range(warm_up + 3):
                name = f"run{batch}n"  # no hex digit at its start: the shell takes a prefix of a job id for a job too
                create_suspended(engines[0], nginx, os.path.join(out, name), n, name)
                # counted in the journal by its key, past the last entry before the batch: a count of the job table's
                # states would read the whole table at every poll, in the database the engines are measured with
                mark = pg.sql(db, "SELECT COALESCE(MAX(id), 0) FROM journal")
                completed = f"FROM journal WHERE kind = 'JOB_TRANSFERRED' AND id > {mark}"
                pg.sql(db, queue_all)
                rate = drained(lambda: int(pg.sql(db, "SELECT count(*) " + completed)),
                               lambda: pg.sql(db, "SELECT min(created_ms), max(created_ms), count(*), count(DISTINCT job) " + completed), n, 600)
                if batch == 0:
                    rates["pg-first"].append(rate)
                elif batch >= warm_up:
                    measured.append(rate)
                what = "first" if batch == 0 else "warming up" if batch < warm_up else "measured"
                print(f"  CLUSTER run {r + 1}: 3 engines on PostgreSQL, batch {batch + 1} ({what}) of {n} jobs, {rate:,.0f} claimed and completed"
                      " per second", flush=True)
            rates["pg"].append(med(measured))
        finally:
            for e in engines:
                e.stop()
        # one engine on SQLite, the same jobs: queued while it is stopped, drained once it starts (a first batch only:
        # its store cannot be changed under a running engine)
        store = os.path.join(work, f"store-cl-{r}-sqlite")
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        one = Service(store, opts)
        create_suspended(one, nginx, out, n)
        one.stop()
        sqlite = lambda q: subprocess.run(["sqlite3", os.path.join(store, "bits.db"), q], check=True, capture_output=True, text=True).stdout.strip()
        sqlite("UPDATE job SET state = 'QUEUED' WHERE state = 'SUSPENDED'")
        one = Service(store, opts)
        try:
            rate = drained(lambda: int(sqlite("SELECT count(*) FROM job WHERE state = 'TRANSFERRED'")), lambda: sqlite(JOURNAL), n, 600)
            rates["sqlite"].append(rate)
            print(f"  CLUSTER run {r + 1}: 1 engine on SQLite, first {n} jobs, {rate:,.0f} claimed and completed per second", flush=True)
        finally:
            one.stop()
    table.add("CLUSTER", f"3 engines on one PostgreSQL queue: {n:,} queued FOREGROUND jobs (4 KiB each) claimed, transferred and completed,"
              f" warm (after {warm_up * n:,} jobs; the median of three batches per run)", rates["pg"], [], unit="/s",
              note=f"each job once; the first {n:,} after the engines started: {med(rates['pg-first']):,.0f}/s, and 1 engine on SQLite, same jobs,"
                   f" same run, just started: {med(rates['sqlite']):,.0f}/s; goal >= 500/s")


def cluster_takeover(nginx, work, table, pg, trials, opts):
    """Seconds from kill -9 of the engine transferring a job to another engine's claim of it (lease 15 s, the default);
    before that, in the same trial, how soon a suspend on the other engine stops the transfer (SPEC C6)."""
    make_file(os.path.join(nginx.root, "takeover.bin"), 4 << 20)  # /slow/: 16 s
    times = []
    stops = []
    for t in range(trials):
        db, out, engines = cluster(work, pg, f"to-{t}", 2, opts)
        try:
            engines[0].run(f"bits:create t; bits:addfile t {nginx.url('slow/takeover.bin')} {out}/takeover.bin; bits:setpriority t FOREGROUND; bits:resume t")
            while pg.sql(db, "SELECT count(*) FROM file WHERE bytes_transferred > 0") != "1":
                time.sleep(0.05)
            # C6: suspended through the engine not transferring it; the transfer stops and lets go of its claim
            pid = int(pg.sql(db, "SELECT e.pid FROM bits_engine e JOIN job j ON j.claimed_by = e.id"))
            other = next(e for e in engines if e.p.pid != pid)
            asked = time.perf_counter()
            other.run("bits:suspend t")
            while pg.sql(db, "SELECT count(*) FROM job WHERE state = 'SUSPENDED' AND claimed_by IS NULL") != "1":
                if time.perf_counter() - asked > 60:
                    raise SystemExit("CLUSTER: the transfer did not stop")
                time.sleep(0.005)
            stops.append(time.perf_counter() - asked)
            print(f"  CLUSTER suspend on the other engine {t + 1}: the transfer let go after {stops[-1] * 1000:.0f} ms", flush=True)
            other.run("bits:resume t")
            while pg.sql(db, "SELECT count(*) FROM job WHERE claimed_by IS NOT NULL AND state = 'TRANSFERRING'") != "1":
                time.sleep(0.05)
            pid = int(pg.sql(db, "SELECT e.pid FROM bits_engine e JOIN job j ON j.claimed_by = e.id"))
            holder = next(e for e in engines if e.p.pid == pid)
            epoch = int(pg.sql(db, "SELECT epoch FROM job"))
            holder.kill()
            killed = time.perf_counter()
            # the holder's claim is in this epoch, the takeover's the next, the survivor's claim the one after
            while pg.sql(db, f"SELECT count(*) FROM job WHERE epoch = {epoch + 2} AND claimed_by IS NOT NULL") != "1":
                if time.perf_counter() - killed > 120:
                    raise SystemExit("CLUSTER: no takeover after 120 s")
                time.sleep(0.02)
            times.append(time.perf_counter() - killed)
            print(f"  CLUSTER takeover {t + 1}: {times[-1]:.2f} s after kill -9", flush=True)
        finally:
            for e in engines:
                if e.p.poll() is None:
                    e.stop()
    table.add("CLUSTER", f"kill -9 of the engine transferring a job -> claimed by another (lease 15 s), {trials} trials", times, [],
              note=f"worst (p99 of {trials}) {max(times):.1f} s; goal p99 <= 20 s")
    table.add("CLUSTER", "suspend through another engine -> the transfer stopped and let go of its claim (SPEC C6)", [x * 1000 for x in stops], [],
              unit="ms", note=f"worst {max(stops) * 1000:.0f} ms of {trials}, incl. the shell command and psql polling; goal <= 1 s")


def hist_percentile(hist, q):
    """The q-quantile of one JMH iteration's histogram [[value, count], ...]."""
    total = sum(c for _, c in hist)
    seen = 0
    for v, c in sorted(hist):
        seen += c
        if seen >= q * total:
            return v
    return hist[-1][0]


def jmh(work, table, quick):
    """P3 and P5 as JMH benchmarks (bench/jmh/BitsBench.java), closed loop, in the distribution's bundles."""
    lib = os.path.join(work, "jmhlib")
    if not os.path.isdir(lib) or not os.listdir(lib):
        subprocess.run(["mvn", "-B", "-q", "-f", os.path.join(ROOT, "bench", "jmh", "pom.xml"), "dependency:copy-dependencies",
                        "-DoutputDirectory=" + lib], check=True)
    jars = ":".join(os.path.join(lib, f) for f in sorted(os.listdir(lib)))
    cp, _, index = inproc_classpath(work, compile=False)
    classes = os.path.join(work, "jmh-classes")
    shutil.rmtree(classes, ignore_errors=True)
    subprocess.run(["javac", "-d", classes, "-cp", cp + ":" + jars, "-processorpath", jars] +
                   [os.path.join(ROOT, "bench", f) for f in ("InProcess.java", "Load.java", "jmh/BitsBench.java")], check=True)
    result = os.path.join(work, "jmh.json")
    iters = ["-wi", "1", "-w", "1s", "-i", "2", "-r", "1s"] if quick else ["-wi", "2", "-w", "2s", "-i", "5", "-r", "2s"]
    subprocess.run([JAVA, "-cp", cp + ":" + jars + ":" + classes, "org.openjdk.jmh.Main", "-f", "1", *iters, "-rf", "json", "-rff", result,
                    "-jvmArgsAppend", f"-Dbench.jar={JAR} -Dbench.index={index} -Dbench.work={os.path.join(work, 'jmh-work')}"],
                   check=True, timeout=1800, stdout=subprocess.DEVNULL)
    with open(result) as f:
        runs = {b["benchmark"].split(".")[-1]: b["primaryMetric"] for b in json.load(f)}

    def sampled(name, q):  # one value per measured iteration
        return [hist_percentile(h, q) for fork in runs[name]["rawDataHistogram"] for h in fork]

    def shots(name):
        return [v for fork in runs[name]["rawData"] for v in fork]

    for q, label in ((0.5, "p50"), (0.99, "p99")):
        table.add("P3", f"JMH: durable state change -> live callback entry, closed loop, {label}", sampled("p3ChangeToCallback", q), [],
                  peer_walls=sampled("p3PeerEventAdminPostToHandler", q), unit="us", ratio_label="the peer's speed (peer time / bits time)",
                  note=f"peer: Felix EventAdmin postEvent -> handler entry, {label} {med(sampled('p3PeerEventAdminPostToHandler', q)):,.1f} us (in memory only)")
    table.add("P5", "JMH: TRANSFERRED job given the handler id -> handler ran complete(), cold (resolve, SHA-256, install, start, activate)",
              shots("p5ColdHandlerInstalledAndRun"), [], peer_walls=shots("p5PeerPlainInstallStartGetService"), unit="ms",
              ratio_label="the peer's speed (peer time / bits time)",
              note=f"peer: plain install + start + getService of the same bundle {med(shots('p5PeerPlainInstallStartGetService')):.2f} ms; goal <= 30 ms")
    table.add("P5", "JMH: warm, durable state change -> connected handler entry, p50", sampled("p5WarmChangeToHandler", 0.5), [], unit="us",
              note="goal <= 10 us")


def inproc_classpath(work, compile=True):
    """The framework, bits.api and the EventAdmin API from bits.jar on the class path; InProcess and Load compiled
    unless the caller compiles them itself (JMH, with its annotation processor)."""
    cp_dir = os.path.join(work, "inproc-cp")
    shutil.rmtree(cp_dir, ignore_errors=True)
    os.makedirs(cp_dir)
    subprocess.run(["unzip", "-q", "-j", "-o", JAR, "jar/org.apache.felix.framework-*", "jar/bits.api-*",
                    "jar/org.apache.felix.eventadmin-*", "-d", cp_dir], check=True)
    cp = ":".join(os.path.join(cp_dir, f) for f in sorted(os.listdir(cp_dir)))
    classes = os.path.join(work, "inproc-classes")
    if compile:
        subprocess.run(["javac", "-d", classes, "-cp", cp, os.path.join(ROOT, "bench", "InProcess.java"),
                        os.path.join(ROOT, "bench", "Load.java")], check=True)
    return cp, classes, os.path.join(ROOT, "bits.samples", "index", "target", "repo", "index.xml")


def inproc(work, table, figures, runs, pg=None):
    """P3, P4, P5: bench/InProcess.java embeds Felix with the distribution's bundles; one JVM per figure. With pg: the
    jobs in a new PostgreSQL database."""
    cp, classes, index = inproc_classpath(work)
    for fig in figures:
        w = os.path.join(work, "inproc-" + fig + ("-pg" if pg else ""))
        shutil.rmtree(w, ignore_errors=True)
        props = []
        if pg:
            db = pg.new_database()
            props = [f"-Dbits.bench.store.url={pg.url(db)}",
                     f"-Dbits.bench.psql={pg.bin}/psql -h 127.0.0.1 -p {pg.port} -U postgres -d {db} -tAq -c"]
        out = subprocess.run([JAVA, *props, "-cp", cp + ":" + classes, "bitsbench.InProcess", JAR, index, w, fig, str(runs)],
                             check=True, capture_output=True, text=True, timeout=1200).stdout
        rows = {}
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] in ("P3", "P4", "P5", "P5warm", "P9"):
                print("  " + line, flush=True)
                for kv in parts[1:]:
                    k, v = kv.split("=")
                    rows.setdefault(parts[0] + ":" + k, []).append(float(v))
        col = lambda k: rows[k]
        if fig == "P3":
            rate = med(col("P3:bits_rate"))
            table.add("P3", "state change (durable API call) -> callback entry, p50", col("P3:bits_p50_us"), [], unit="us",
                      note=f"offered 10,000/s, achieved {rate:,.0f}/s; includes the commit's fsync; goal p50 <= 50 us")
            table.add("P3", "state change -> callback entry, p99", col("P3:bits_p99_us"), [], unit="us", note="goal p99 <= 1,000 us")
            table.add("P3", "change durable (API call returned) -> callback entry, p50", col("P3:dispatch_p50_us"), [], unit="us",
                      note="the dispatch alone; a callback entered before the call returned counts 0")
            table.add("P3", "change durable -> callback entry, p99", col("P3:dispatch_p99_us"), [], unit="us")
            table.add("P3", "peer: EventAdmin postEvent -> handler entry, p50", col("P3:ea_p50_us"), [], unit="us",
                      note="Felix EventAdmin 1.6.4, same rate, same run; in memory only")
            table.add("P3", "peer: EventAdmin postEvent -> handler entry, p99", col("P3:ea_p99_us"), [], unit="us")
        elif fig == "P4":
            table.add("P4", "durable terminal notifications acknowledged per second (2,000 jobs)" + (", the jobs in PostgreSQL (SPEC C1)" if pg else ""),
                      col("P4:acknowledged_per_s"), [], unit="/s", note=f"delivered {med(col('P4:delivered_per_s')):,.0f}/s; goal >= 5,000/s")
        elif fig == "P9":
            for callers in ("1", "8"):
                one = [float(l.split("one_call_per_s=")[1]) for l in out.splitlines() if l.startswith("P9 ") and f"callers={callers} one_call" in l]
                three = [float(l.split("three_calls_per_s=")[1]) for l in out.splitlines() if l.startswith("P9 ") and f"callers={callers} three_calls" in l]
                table.add("P9", f"jobs created with their file and queued, durable, per second, {callers} caller{'s' if callers != '1' else ''}"
                          + (", the jobs in PostgreSQL" if pg else ""), one, [], unit="/s",
                          note=f"one call (createJob with its setup); peer: the same in three calls (createJob, addFile, resume)"
                               f" {med(three):,.0f}/s, {med(one) / med(three):.1f}x" + ("; goal >= 2,000/s" if callers == "8" else ""))
        elif fig == "P5":
            table.add("P5", "TRANSFERRED -> handler ran, cold (resolve, SHA-256, install, start, activate)", col("P5:cold_ms"), [], unit="ms",
                      note="until the handler's complete() renamed the file; goal <= 30 ms")
            table.add("P5", "TRANSFERRED -> handler ran, installed but stopped", col("P5:stopped_ms"), [], unit="ms")
            table.add("P5", "peer: plain Felix install + start + getService of the same bundle", col("P5:plain_install_start_get_ms"), [], unit="ms")
            table.add("P5", "warm: state change -> connected handler entry, p50", col("P5warm:warm_p50_us"), [], unit="us", note="goal <= 10 us")


def find_jar(group_path):
    base = os.path.expanduser(os.path.join("~/.m2/repository", group_path))
    for root, _, files in sorted(os.walk(base), reverse=True):
        for f in files:
            if f.endswith(".jar") and "3.50.3.0" in f:
                return os.path.join(root, f)
    raise SystemExit(f"no jar under {base}")


def cli(nginx, work, table, runs):
    """./bits list --json: one-shot (a JVM and a framework for the command) vs attached to a running ./bits serve
    (the wrapper's checks and the small client JVM); and one job's GET by curl against the same engine."""
    store = os.path.join(work, "store-cli")
    shutil.rmtree(store, ignore_errors=True)
    wrapper = os.path.join(ROOT, "bits")
    env = dict(os.environ, BITS_NO_BUILD="1")

    def bits(*args):
        t0 = time.perf_counter()
        p = subprocess.run(["sh", wrapper, "--store", store, *args], capture_output=True, env=env)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"./bits {' '.join(args)} exited {p.returncode}: {p.stderr.decode()[-2000:]}")
        return wall, p.stdout.decode()

    ids = [bits("create", f"cli {i}")[1].strip() for i in range(5)]
    one_shot = [bits("list", "--json")[0] for _ in range(runs)]
    print(f"  CLI one-shot list --json: median {med(one_shot):.3f} s", flush=True)
    serve = subprocess.Popen(["sh", wrapper, "--store", store, "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        address = os.path.join(store, "api-address")
        deadline = time.time() + 60
        while not os.path.exists(address):
            if time.time() > deadline or serve.poll() is not None:
                raise SystemExit("./bits serve did not start")
            time.sleep(0.05)
        with open(address) as f:
            api = f.read().strip()
        with open(os.path.join(store, "api-tokens")) as f:
            token = next(line.split()[0] for line in f if line.split()[1:] == ["*"])
        bits("list", "--json")  # the engine's first command loads the shell's classes
        attached = [bits("list", "--json")[0] for _ in range(runs * 3)]
        print(f"  CLI attached list --json: median {med(attached):.3f} s", flush=True)
        # a service runs warm: 500 GETs first (in this process), as the engine's JIT would have seen in a day's use
        import http.client, urllib.parse
        u = urllib.parse.urlparse(api)
        conn = http.client.HTTPConnection(u.hostname, u.port)
        for _ in range(500):
            conn.request("GET", f"{u.path}/jobs/{ids[0]}", headers={"Authorization": f"Bearer {token}"})
            conn.getresponse().read()
        conn.close()
        curl_wall, curl_total = [], []
        for _ in range(runs * 10):
            t0 = time.perf_counter()
            p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", f"Authorization: Bearer {token}",
                                f"{api}/jobs/{ids[0]}"], capture_output=True, text=True)
            curl_wall.append(time.perf_counter() - t0)
            code, total = p.stdout.split()
            if code != "200":
                raise SystemExit(f"curl GET /jobs/ID: HTTP {code}")
            curl_total.append(float(total))
        # the floor: the same curl for a small static file from nginx (what curl's own process costs)
        with open(os.path.join(nginx.root, "cli.json"), "w") as f:
            f.write(json.dumps({"id": ids[0]}))
        static_wall = []
        for _ in range(runs * 10):
            t0 = time.perf_counter()
            subprocess.run(["curl", "-sS", "-o", "/dev/null", nginx.url("cli.json")], check=True)
            static_wall.append(time.perf_counter() - t0)
    finally:
        serve.terminate()
        serve.wait(60)
    table.add("CLI", "./bits list --json, one-shot (JVM + framework start, 5 jobs)", one_shot, [])
    table.add("CLI", "./bits list --json attached to ./bits serve (wrapper + client JVM)", attached, [], peer_walls=one_shot,
              ratio_label="faster than one-shot", note="goal <= 0.3 s")
    table.add("CLI", "curl GET /bits/api/v1/jobs/ID, the curl process", [w * 1000 for w in curl_wall], [], unit="ms", note="goal <= 10 ms")
    table.add("CLI", "peer: curl GET of a small static file from nginx, the curl process", [w * 1000 for w in static_wall], [], unit="ms",
              note="curl's own floor on this machine")
    table.add("CLI", "curl GET /bits/api/v1/jobs/ID, curl's time_total", [t * 1000 for t in curl_total], [], unit="ms")


def machine():
    java = subprocess.run([JAVA, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return f"{os.cpu_count()} cores, {java}, Linux {platform.release()}, curl {subprocess.run(['curl', '--version'], capture_output=True, text=True).stdout.split()[1]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a reduced set: smaller files, fewer runs")
    ap.add_argument("--only", default="P1,P2,P3,P4,P5,P6,P7,P8,P9,P10,UPLOAD,CLI,JMH,LOAD,CLUSTER")
    ap.add_argument("--java-opts", default="", help="extra JVM options for the bits runs")
    a = ap.parse_args()
    opts = a.java_opts.split()
    work = os.environ.get("BITS_BENCH_DIR", "/tmp/bits-bench")
    os.makedirs(work, exist_ok=True)
    global CONFIG_DIR
    CONFIG_DIR = os.path.join(work, "config")
    os.makedirs(CONFIG_DIR, exist_ok=True)
    with open(os.path.join(CONFIG_DIR, "bits.engine.cfg"), "w") as f:
        f.write("max.files.per.job=1000\nmax.jobs=200000\nmax.jobs.per.owner=200000\n")
    nginx = Nginx(work)
    table = Table()
    only = a.only.split(",")
    pg = Postgres(work) if "CLUSTER" in only else None
    pg_cfg = lambda name: pg_config(work, pg, pg.new_database(), name) if pg else None
    started = time.time()

    def phase(name):  # how long each part took, on stderr
        print(f"bench: {name} done after {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    try:
        if "P1" in only:
            p1(nginx, work, table, 3 if a.quick else 5, (256 << 20) if a.quick else (2 << 30), opts, pg_cfg("p1"))
            phase("p1")
        if "P2" in only:
            p2(nginx, work, table, 3 if a.quick else 5, 500 if a.quick else 1000, opts, pg_cfg("p2"))
            phase("p2")
        if "P8" in only:
            p8(nginx, work, table, 3 if a.quick else 5, 96 << 20, 8 << 20, opts)
            phase("p8")
        if "UPLOAD" in only:
            upload(nginx, work, table, 3 if a.quick else 5, (256 << 20) if a.quick else (1 << 30), opts)
            phase("upload")
        if "P10" in only:
            p10(nginx, work, table, 3 if a.quick else 5)
            phase("p10")
        if "P6" in only:
            p6(work, table, 2 if a.quick else 5, [10_000] if a.quick else [10_000, 100_000], opts)
            phase("p6")
        if "P7" in only:
            p7(nginx, work, table, 2 if a.quick else 5, opts)
            phase("p7")
        if "CLI" in only:
            cli(nginx, work, table, 5 if a.quick else 10)
            phase("cli")
        # --quick: P3 and P5 from JMH only; the full run adds the open-loop P3 at 10,000/s and P5 installed-but-stopped
        figures = [f for f in ("P3", "P4", "P5", "P9") if f in only and not (a.quick and f in ("P3", "P5"))]
        if figures:
            inproc(work, table, figures, 3 if a.quick else 5)
            phase("inproc")
        if pg and "P4" in only:
            inproc(work, table, ["P4"], 3 if a.quick else 5, pg)
            phase("inproc P4 on PostgreSQL")
        if "JMH" in only:
            jmh(work, table, a.quick)
            phase("jmh")
        if "LOAD" in only:
            load(nginx, work, table, 500 if a.quick else 10_000, 200)
            phase("load")
        if pg:
            cluster_throughput(nginx, work, table, pg, 2 if a.quick else 3, 1000 if a.quick else 3000, opts)
            phase("cluster throughput")
            cluster_takeover(nginx, work, table, pg, 3 if a.quick else 10, opts)
            phase("cluster takeover")
    finally:
        nginx.stop()
        if pg:
            pg.stop()
    md = f"# bits benchmark results\n\nMachine: {machine()}\n\nCommand: `bench/run.sh{' --quick' if a.quick else ''}" \
         f"{'' if a.only == ap.get_default('only') else ' --only ' + a.only}`" \
         f" ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); ratios are of medians, measured in this run.\n\n" + table.markdown() + "\n"
    print(md)
    # a partial run (--only) does not replace the full table
    name = "latest.md" if a.only == ap.get_default("only") else "only-" + a.only.replace(",", "-") + ".md"
    with open(os.path.join(ROOT, "bench", "results", name), "w") as f:
        f.write(md)


if __name__ == "__main__":
    main()
