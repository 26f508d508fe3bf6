package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/uuid"
)

// instanceFile is the file of the data dir that keeps the server's
// instance id.
const instanceFile = "instance"

// instance is this server's id among the servers sharing its database:
// the owner of the leases its embedded worker's claims take. It is kept in
// the data dir, so that a server restarted on the same data dir knows the
// jobs it held and queues them again at once, instead of waiting for their
// leases to run out as other servers do.
//
// The file stays locked while the server runs. A second server started on
// the same data dir meanwhile takes an id of its own for that run: sharing
// the first one's would make it queue again the jobs the first one is
// running.
type instance struct {
	id   string
	file *os.File // holds the lock; nil for an id of one run
}

// openInstance reads the instance id of a data dir, making one the first
// time, and locks it for this run.
func openInstance(dataDir string) (*instance, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, instanceFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance id: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return &instance{id: uuid.NewString()}, nil // another server runs on this data dir
		}
		return nil, fmt.Errorf("lock instance id: %w", err)
	}
	id, err := readOrMakeID(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("instance id: %w", err)
	}
	return &instance{id: id, file: f}, nil
}

// readOrMakeID reads the id the file holds, or writes a new one to it.
func readOrMakeID(f *os.File) (string, error) {
	raw, err := io.ReadAll(f)
	if err != nil {
		return "", err
	}
	if id := strings.TrimSpace(string(raw)); id != "" {
		return id, nil
	}
	id := uuid.NewString()
	if _, err := f.WriteAt([]byte(id+"\n"), 0); err != nil {
		return "", err
	}
	return id, f.Sync()
}

// Close releases the data dir's instance id for the next run.
func (i *instance) Close() error {
	if i == nil || i.file == nil {
		return nil
	}
	return i.file.Close()
}
