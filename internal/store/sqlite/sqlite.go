// Package sqlite is the embedded storage driver: one SQLite database file in
// WAL mode, one writer connection and a small pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sluice-cd/sluice/internal/store"
)

//go:embed migration/*.sql
var migrations embed.FS

// Store is a store.Store over one SQLite file.
type Store struct {
	queries         // reads, on the reader pool
	writer  *sql.DB // exactly one connection: SQLite has one writer anyway
	// wstmts are statements prepared on the writer's connection, which
	// transactions reuse (see queries.txStmt).
	wstmts *stmtCache
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and applies any
// migration it has not seen yet.
func Open(ctx context.Context, path string) (*Store, error) {
	writer, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := openDB(path, true)
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	reader.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	return &Store{
		queries: queries{pool: reader, stmts: newStmtCache()},
		writer:  writer,
		wstmts:  newStmtCache(),
	}, nil
}

// openDB opens a pool with the pragmas every connection needs. WAL lets the
// readers run beside the writer; synchronous=NORMAL in WAL mode loses
// nothing a committed transaction wrote when the process is killed (only an
// operating-system crash can cost the last transactions).
func openDB(path string, readOnly bool) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite path: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock at BEGIN so a transaction never fails
		// half-way when it upgrades from reading to writing.
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+abs+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return db, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.stmts.close()
	s.wstmts.close()
	return errors.Join(s.pool.Close(), s.writer.Close())
}

// InTx runs fn in one immediate write transaction. Statements the
// transaction ran that the writer had not prepared yet are prepared once it
// ended, for the transactions after it.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", interpretError(err))
	}
	var missed []string
	defer func() { s.prepareWriter(missed) }()
	if err := fn(queries{tx: tx, stmts: s.wstmts, missed: &missed}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", interpretError(err))
	}
	return nil
}

// prepareWriter prepares statements on the writer, outside any
// transaction: preparing needs the writer's one connection, which a
// transaction holds until it ends. A statement that fails to prepare is
// left out; transactions then keep running it unprepared.
func (s *Store) prepareWriter(queries []string) {
	for _, q := range queries {
		if s.wstmts.get(q) != nil {
			continue
		}
		st, err := s.writer.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		if !s.wstmts.add(q, st) {
			st.Close()
		}
	}
}

// migrate applies the embedded migrations in name order, each in its own
// transaction, recording what was applied in schema_migrations.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := applyMigration(ctx, db, name); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, name string) error {
	base := filepath.Base(name)
	version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	if err != nil {
		return fmt.Errorf("migration name needs a number prefix: %w", err)
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var seen int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&seen); err != nil {
		return err
	}
	if seen > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// interpretError turns SQLite's errors into the store's sentinels.
func interpretError(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		}
	}
	return err
}
