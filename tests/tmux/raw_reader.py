# Test helper run inside a tmux pane: records the exact bytes the pane receives.
#   mode "paste": enable bracketed paste, store the bytes between the paste
#                 markers in OUT, then the bytes after the end marker up to and
#                 including the first CR in OUT.after
#   mode "line":  store every byte up to and including the first CR in OUT
# Files are written to a temp name and renamed, so their appearance means done.
import os
import sys
import termios
import tty

mode, out = sys.argv[1], sys.argv[2]
START, END = b"\x1b[200~", b"\x1b[201~"


def publish(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


def read_until(buf, needle, start=0):
    # Returns the index of needle in buf, reading more input as needed.
    while True:
        i = buf.find(needle, max(start, len(buf) - 65536 - len(needle)))
        if i >= 0:
            return i
        chunk = os.read(0, 65536)
        if not chunk:
            sys.exit(1)
        buf += chunk


saved = termios.tcgetattr(0)
tty.setraw(0)
if mode == "paste":
    os.write(1, b"\x1b[?2004h")
os.write(1, b"READY\r\n")
buf = bytearray()
if mode == "paste":
    s = read_until(buf, START)
    e = read_until(buf, END, s + len(START))
    publish(out, bytes(buf[s + len(START):e]))
    tail_start = e + len(END)
    r = read_until(buf, b"\r", tail_start)
    publish(out + ".after", bytes(buf[tail_start:r + 1]))
else:
    r = read_until(buf, b"\r")
    publish(out, bytes(buf[:r + 1]))
termios.tcsetattr(0, termios.TCSANOW, saved)
os.write(1, b"DONE\r\n")
