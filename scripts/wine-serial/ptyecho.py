# ptyecho.py LINK: a pty linked at LINK that answers "pong" to whatever it reads (25 s).
import os, pty, sys, time, tty, select
m, s = pty.openpty()
tty.setraw(s)
name = os.ttyname(s)
link = sys.argv[1]
try: os.remove(link)
except FileNotFoundError: pass
os.symlink(name, link)
print("pty", name, flush=True)
end = time.time() + 25
while time.time() < end:
    r, _, _ = select.select([m], [], [], 0.2)
    if r:
        d = os.read(m, 100)
        print("got", d, flush=True)
        time.sleep(0.5)
        os.write(m, b"pong")
