package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migration/*.sql
var migrations embed.FS

// migrationLock is the key of the advisory lock every migration
// transaction takes first ("sluice" in ASCII). It keeps replicas that
// start at once from applying a migration twice, or from racing on
// CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make atomic. A row
// lock cannot do this: on a fresh database there is no row to lock yet.
const migrationLock int64 = 0x736c75696365

// migration is one forward-only SQL file, numbered by its name's prefix.
type migration struct {
	version  int
	name     string
	body     string
	checksum string
}

// migrate applies the migrations of fsys in version order, each in its own
// transaction, recording what was applied in schema_migrations. It refuses
// a database where an applied file has changed since, or that holds a
// migration this binary does not know (it was upgraded by a newer one).
func migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, pool, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	last := 0
	if len(ms) > 0 {
		last = ms[len(ms)-1].version
	}
	return checkNotNewer(ctx, pool, last)
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migration/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s needs a number prefix: %w", base, err)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ms = append(ms, migration{version: version, name: base, body: string(body), checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a number", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// applyMigration runs one migration unless it was applied already. The
// body runs without arguments, so pgx sends it with the simple protocol,
// which accepts several statements in one string.
func applyMigration(ctx context.Context, pool *pgxpool.Pool, m migration) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		var checksum string
		err := tx.QueryRow(ctx, `SELECT checksum FROM schema_migrations WHERE version = $1`, m.version).Scan(&checksum)
		switch {
		case err == nil && checksum != m.checksum:
			return fmt.Errorf("applied with checksum %s, the file now has %s: migrations must not change once released",
				checksum, m.checksum)
		case err == nil:
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(ctx, m.body); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`,
			m.version, m.name, m.checksum, time.Now().UnixMilli())
		return err
	})
}

// checkNotNewer refuses a database that a newer binary migrated past last:
// this one would misread tables it does not know the shape of.
func checkNotNewer(ctx context.Context, pool *pgxpool.Pool, last int) error {
	var version int
	var name string
	err := pool.QueryRow(ctx, `SELECT version, name FROM schema_migrations WHERE version > $1 ORDER BY version LIMIT 1`,
		last).Scan(&version, &name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("migrate: %w", err)
	}
	return fmt.Errorf("migrate: the database has migration %d (%s), newer than this binary's %d", version, name, last)
}
