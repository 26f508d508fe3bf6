package file

import (
	"context"
	"sort"
	"strings"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// List lists the keys whose latest version has content.
func (s *Store) List(ctx context.Context, bucket string, opts artifact.ListOptions) (artifact.Listing, error) {
	return s.list(ctx, bucket, opts, false)
}

// ListVersions lists every version and delete marker.
func (s *Store) ListVersions(ctx context.Context, bucket string, opts artifact.ListOptions) (artifact.Listing, error) {
	return s.list(ctx, bucket, opts, true)
}

func (s *Store) list(ctx context.Context, bucket string, opts artifact.ListOptions, versions bool) (artifact.Listing, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return artifact.Listing{}, err
	}
	var out artifact.Listing
	err = b.read(func(ix *index) error {
		p := pager{ix: ix, opts: opts, versions: versions, limit: opts.PageSize()}
		p.run()
		out = p.out
		if !out.Truncated {
			out.NextKey, out.NextVersion = "", ""
		}
		return nil
	})
	return out, err
}

// pager cuts one page of a listing from the sorted keys. An entry is an
// object, a version or a common prefix; the page ends after limit entries,
// and is truncated only when another entry follows.
type pager struct {
	ix       *index
	opts     artifact.ListOptions
	versions bool
	limit    int
	out      artifact.Listing
}

func (p *pager) run() {
	keys, o := p.ix.keys, p.opts
	i := sort.SearchStrings(keys, max(o.Prefix, o.After))
	for i < len(keys) && strings.HasPrefix(keys[i], o.Prefix) {
		key := keys[i]
		if cp, ok := p.rollup(key); ok {
			if !p.versions && p.ix.latest(key).DeleteMarker {
				i++ // a deleted key makes no prefix
				continue
			}
			if cp > o.After && !p.emitPrefix(cp) {
				return
			}
			i = pastPrefix(keys, cp)
			continue
		}
		if !p.emitKey(key) {
			return
		}
		i++
	}
}

// rollup returns the common prefix key belongs to under the delimiter.
func (p *pager) rollup(key string) (string, bool) {
	d := p.opts.Delimiter
	if d == "" {
		return "", false
	}
	rest := key[len(p.opts.Prefix):]
	at := strings.Index(rest, d)
	if at < 0 {
		return "", false
	}
	return key[:len(p.opts.Prefix)+at+len(d)], true
}

// emitKey adds key's entries, and reports false once the page is full.
func (p *pager) emitKey(key string) bool {
	vs := p.ix.vers[key]
	if !p.versions {
		if key == p.opts.After || vs[0].DeleteMarker {
			return true
		}
		return p.emit(vs[0].object(), key, "")
	}
	from := 0
	if key == p.opts.After {
		if p.opts.AfterVersion == "" {
			return true
		}
		from = len(vs) // a marker version that is gone skips the key
		for j, r := range vs {
			if r.Version == p.opts.AfterVersion {
				from = j + 1
			}
		}
	}
	for j := from; j < len(vs); j++ {
		obj := vs[j].object()
		obj.Latest = j == 0
		if !p.emit(obj, key, obj.VersionID) {
			return false
		}
	}
	return true
}

func (p *pager) emitPrefix(cp string) bool {
	if p.full() {
		return false
	}
	p.out.Prefixes = append(p.out.Prefixes, cp)
	p.out.NextKey, p.out.NextVersion = cp, ""
	return true
}

func (p *pager) emit(obj artifact.Object, key, version string) bool {
	if p.full() {
		return false
	}
	p.out.Objects = append(p.out.Objects, obj)
	p.out.NextKey, p.out.NextVersion = key, version
	return true
}

// full reports whether the page is full, marking it truncated: it is
// only asked when another entry is waiting.
func (p *pager) full() bool {
	if len(p.out.Objects)+len(p.out.Prefixes) < p.limit {
		return false
	}
	p.out.Truncated = true
	return true
}

// pastPrefix returns the index of the first key after those starting
// with cp.
func pastPrefix(keys []string, cp string) int {
	return sort.Search(len(keys), func(i int) bool {
		return keys[i] > cp && !strings.HasPrefix(keys[i], cp)
	})
}
