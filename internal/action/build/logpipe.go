package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// logStamp is the time format of CodeBuild's "[Container]" lines.
const logStamp = "2006/01/02 15:04:05.000000"

// maxPartial is how much of an unfinished line is held back before it is
// written anyway, so a command printing without newlines still shows.
const maxPartial = 32 << 10

// containerLine formats one of the runner's own log lines.
func containerLine(format string, args ...any) []byte {
	return fmt.Appendf(nil, "[Container] %s %s\n", time.Now().UTC().Format(logStamp), fmt.Sprintf(format, args...))
}

// logFilter copies a build's output pipe to the build log. Everything that
// reaches the log goes through the one pipe, the runner's own lines
// included, so they keep their order with the commands' output. A line
// holding the build's nonce is a marker a script printed just before
// running command number N; the filter writes "Running command ..." in its
// place, stamped when it arrives.
type logFilter struct {
	out      io.Writer
	nonce    []byte
	commands []string
	buf      []byte
}

// run copies until r reaches end of file or its read deadline, then
// closes done.
func (f *logFilter) run(r *os.File, done chan<- struct{}) {
	defer close(done)
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		f.buf = append(f.buf, chunk[:n]...)
		f.lines()
		if err != nil {
			f.flush()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				f.out.Write(containerLine("Processes that left the build's process group still hold its output; the rest of it is not logged"))
			}
			return
		}
	}
}

// lines writes every complete line held, and an overlong partial one.
func (f *logFilter) lines() {
	start := 0
	for {
		i := bytes.IndexByte(f.buf[start:], '\n')
		if i < 0 {
			break
		}
		f.line(f.buf[start : start+i+1])
		start += i + 1
	}
	f.buf = f.buf[:copy(f.buf, f.buf[start:])]
	if len(f.buf) > maxPartial {
		f.flush()
	}
}

func (f *logFilter) flush() {
	if len(f.buf) > 0 {
		f.out.Write(f.buf)
		f.buf = f.buf[:0]
	}
}

// line writes one line, replacing a marker. A marker may follow output
// that did not end in a newline; that output keeps a line of its own.
func (f *logFilter) line(l []byte) {
	i := bytes.Index(l, f.nonce)
	if i < 0 {
		f.out.Write(l)
		return
	}
	if i > 0 {
		f.out.Write(append(l[:i:i], '\n'))
	}
	idx, err := strconv.Atoi(string(bytes.TrimSpace(l[i+len(f.nonce):])))
	if err != nil || idx < 0 || idx >= len(f.commands) {
		f.out.Write(l[i:])
		return
	}
	f.out.Write(containerLine("Running command %s", f.commands[idx]))
}
