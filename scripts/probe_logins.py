#!/usr/bin/env python3
"""Issue 20's login probes against a real `arshif serve` (release build):
a burst of 40 simultaneous logins for one user (39 wrong, 1 right), and a
one-minute unauthenticated flood (oversized names, then ever new valid
names). Prints the answers, the server's peak memory (VmHWM) and how much
the audit log grew. Usage: scripts/probe_logins.py [BIN]"""
import http.client, json, os, subprocess, sys, tempfile, threading, time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/arshif"
work = tempfile.mkdtemp(prefix="arshif-probe-")
archive = os.path.join(work, "a")
env = dict(os.environ, OMP_THREAD_LIMIT="1")
subprocess.run([BIN, "--archive", archive, "init"], check=True, env=env, stdout=subprocess.DEVNULL)
subprocess.run([BIN, "--archive", archive, "user", "add", "sara", "--role", "staff",
                "--branch", "hofuf", "--password-stdin"], input=b"right-password-1\n",
               check=True, env=env, stdout=subprocess.DEVNULL)
srv = subprocess.Popen([BIN, "--archive", archive, "serve", "--addr", "127.0.0.1:0"],
                       env=env, stderr=subprocess.PIPE, text=True)
addr = None
for line in srv.stderr:
    if "serving on http://" in line:
        addr = line.split("serving on http://")[1].strip().rstrip("/")
        break
threading.Thread(target=lambda: [None for _ in srv.stderr], daemon=True).start()
host, port = addr.split(":")

def hwm():
    for l in open(f"/proc/{srv.pid}/status"):
        if l.startswith("VmHWM"):
            return int(l.split()[1]) // 1024
def audit_bytes():
    return sum(os.path.getsize(os.path.join(archive, f)) for f in os.listdir(archive)
               if f.startswith("audit.sqlite"))
def entries():
    out = subprocess.run([BIN, "--archive", archive, "audit", "--json", "--limit", "100000"],
                         env=env, capture_output=True, check=True).stdout
    v = json.loads(out)
    return len(v), sum(len(json.dumps(e)) for e in v)
def login(user, password):
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    body = json.dumps({"user": user, "password": password})
    try:
        c.request("POST", "/api/login", body, {"Content-Type": "application/json"})
        return c.getresponse().status
    except Exception as e:
        return str(type(e).__name__)
    finally:
        c.close()

time.sleep(0.5)
print(f"server peak memory before: {hwm()} MB")
statuses = [None] * 40
def one(i):
    statuses[i] = login("sara", "right-password-1" if i == 39 else "guess-guess-1")
threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
[t.start() for t in threads]; [t.join() for t in threads]
counts = {s: statuses.count(s) for s in set(statuses)}
print(f"40 simultaneous logins (39 wrong, 1 right): {counts}; right password answered {statuses[39]}")
print(f"server peak memory after the burst: {hwm()} MB")
# 40 at once with 40 different names (each a full argon2 check until the
# address locks after its 20 free failures).
statuses = [None] * 40
def other(i):
    statuses[i] = login(f"user{i:02d}", "guess-guess-1")
threads = [threading.Thread(target=other, args=(i,)) for i in range(40)]
[t.start() for t in threads]; [t.join() for t in threads]
counts = {s: statuses.count(s) for s in set(statuses)}
print(f"40 simultaneous logins, 40 names: {counts}")
print(f"server peak memory after both bursts: {hwm()} MB")

before = audit_bytes(); (e0, b0) = entries()
t0 = time.time(); n = 0; answers = {}
big = "x" * 1_900_000
while time.time() - t0 < 60:
    name = big if n < 30 else f"guess{n:06d}"
    s = login(name, "guess-guess-1")
    answers[s] = answers.get(s, 0) + 1
    n += 1
after = audit_bytes(); (e1, b1) = entries()
print(f"one-minute flood: {n} logins, answers {answers}")
print(f"audit log: {e1 - e0} entries added, {(b1 - b0)/1024:.1f} KB of entries; files audit.sqlite* {before/1024:.0f} KB -> {after/1024:.0f} KB")
srv.terminate(); srv.wait()
