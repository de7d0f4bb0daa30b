#!/usr/bin/env python3
"""on_pty.py - run a command on a terminal of its own, as a shell would: python3 on_pty.py CMD [ARG...]

The command starts as a session leader whose controlling terminal is a fresh pty (pty.fork), so
TIOCSTI on its standard input works there unless something stops it. When the command has ended,
whatever waits in the terminal's input queue (what a TIOCSTI typed, and what the shell that owns
the terminal would read next) is drained and printed as "pending: <repr>", then "status: N".
Everything the command wrote to the terminal is printed before that.
"""
import os
import pty
import select
import subprocess
import sys
import termios


def child(argv):
    status = subprocess.call(argv)
    attrs = termios.tcgetattr(0)
    attrs[3] &= ~(termios.ICANON | termios.ECHO)  # lflag: hand over a partial line too
    attrs[6][termios.VMIN] = 0
    attrs[6][termios.VTIME] = 0
    termios.tcsetattr(0, termios.TCSANOW, attrs)
    pending = os.read(0, 4096)
    print("pending: %r" % pending.decode("latin-1"))
    print("status: %d" % status)
    sys.stdout.flush()
    os._exit(0)


def main():
    pid, master = pty.fork()
    if pid == 0:
        child(sys.argv[1:])
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    sys.stdout.write(out.decode("latin-1").replace("\r\n", "\n"))


main()
