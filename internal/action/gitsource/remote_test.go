package gitsource

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// testToken is the token the test servers require.
const testToken = "s3cret"

// remoteServers serve the repositories under a root over smart HTTP. They
// differ in what they can send, which decides how commits are fetched.
var remoteServers = []struct {
	name          string
	shallow, byID bool
	handler       func(tb testing.TB, root string) http.Handler
}{
	// No shallow fetches, nothing by id: commits come with their history.
	{"InProcess", false, false, func(_ testing.TB, root string) http.Handler { return inProcessHandler(root) }},
	// Shallow fetches through references.
	{"Backend", true, false, func(tb testing.TB, root string) http.Handler { return backendHandler(tb, root) }},
	// Shallow fetches of any reachable commit by id.
	{"BackendByID", true, true, func(tb testing.TB, root string) http.Handler {
		return backendHandler(tb, root,
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=uploadpack.allowReachableSHA1InWant",
			"GIT_CONFIG_VALUE_0=true")
	}},
}

// inProcessHandler serves upload-pack with the git library's own server,
// so these tests need no git program.
func inProcessHandler(root string) http.Handler {
	srv := server.NewServer(server.NewFilesystemLoader(osfs.New(root)))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		repo, op, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
		ep, err := transport.NewEndpoint("/" + repo)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sess, err := srv.NewUploadPackSession(ep, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		switch op {
		case "info/refs":
			err = advertiseRefs(w, req, sess)
		case "git-upload-pack":
			err = uploadPack(w, req, sess)
		default:
			http.NotFound(w, req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

func advertiseRefs(w http.ResponseWriter, req *http.Request, sess transport.UploadPackSession) error {
	ar, err := sess.AdvertisedReferencesContext(req.Context())
	if err != nil {
		return err
	}
	ar.Prefix = [][]byte{[]byte("# service=git-upload-pack"), pktline.Flush}
	w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
	return ar.Encode(w)
}

func uploadPack(w http.ResponseWriter, req *http.Request, sess transport.UploadPackSession) error {
	upr := packp.NewUploadPackRequest()
	if err := upr.Decode(req.Body); err != nil {
		return err
	}
	resp, err := sess.UploadPack(req.Context(), upr)
	if err != nil {
		return err
	}
	defer resp.Close()
	w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
	return resp.Encode(w)
}

// backendHandler serves root with git's own http-backend, skipping the test
// when git is not installed.
func backendHandler(tb testing.TB, root string, env ...string) http.Handler {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		tb.Skip("git is not installed:", err)
	}
	return &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"),
		Env:  append([]string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"}, env...),
	}
}

// requireToken answers 401 unless the request carries testToken.
func requireToken(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, pass, ok := req.BasicAuth(); !ok || pass != testToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, req)
	})
}

func TestRemote(t *testing.T) {
	t.Parallel()
	for _, srv := range remoteServers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			type testBundle struct {
				f *fixture
				r Repo
			}
			setup := func(t *testing.T) *testBundle {
				t.Helper()
				f := newFixture(t)
				root := filepath.Dir(f.bare(t))
				ts := httptest.NewServer(requireToken(srv.handler(t, root)))
				t.Cleanup(ts.Close)
				return &testBundle{f: f, r: Repo{URL: ts.URL + "/app.git", Token: testToken}}
			}

			// Ensure the server offers what the other subtests mean to cover.
			t.Run("Capabilities", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				loc, err := b.r.locate()
				if err != nil {
					t.Fatal(err)
				}
				m, err := advertise(t.Context(), b.r, loc.ep)
				if err != nil {
					t.Fatal(err)
				}
				if m.shallow != srv.shallow || m.byID != srv.byID || m.refs["refs/heads/feature"] != b.f.feat {
					t.Fatalf("advertised shallow=%v byID=%v refs=%v", m.shallow, m.byID, m.refs)
				}
			})

			t.Run("Head", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				if got := mustHead(t, b.r, "main"); got.ID != b.f.second.String() || got.Message != "Second commit\n" || got.Author != "Ada <ada@example.com>" {
					t.Fatalf("Head(main) = %+v, want %s", got, b.f.second)
				}
				if id, err := HeadID(t.Context(), b.r, "feature"); err != nil || id != b.f.feat.String() {
					t.Fatalf("HeadID(feature) = %q, %v; want %s", id, err, b.f.feat)
				}
				_, err := Head(t.Context(), b.r, "nope")
				if !errors.Is(err, ErrBranchNotFound) || !strings.Contains(err.Error(), b.r.URL) {
					t.Fatalf("Head(nope) error = %v, want ErrBranchNotFound naming the repository", err)
				}
			})

			t.Run("Archive", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				for id, want := range map[string][]entry{
					b.f.second.String(): {readme2, runSh, docsLink, mainGo, utilGo},
					b.f.first.String():  {readme1, runSh, docsLink, mainGo}, // no reference points at it
				} {
					var buf bytes.Buffer
					if _, err := Archive(t.Context(), b.r, id, &buf); err != nil {
						t.Fatalf("Archive(%s): %v", id, err)
					}
					if files := unzip(t, buf.Bytes()); !reflect.DeepEqual(files, want) {
						t.Fatalf("Archive(%s) holds %+v, want %+v", id, files, want)
					}
				}
				_, err := Archive(t.Context(), b.r, "1111111111111111111111111111111111111111", &bytes.Buffer{})
				if !errors.Is(err, ErrCommitNotFound) {
					t.Fatalf("Archive of a missing commit: %v", err)
				}
			})

			t.Run("Clone", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				ref := CloneRef{URL: b.r.URL, Branch: "main", Commit: b.f.first.String()}
				dir := filepath.Join(t.TempDir(), "src")
				if err := Clone(t.Context(), b.r, ref, dir); err != nil {
					t.Fatal(err)
				}
				checkClone(t, dir, ref, []entry{readme1, runSh, docsLink, mainGo})
				checkTracking(t, dir, b.r.URL, map[string]plumbing.Hash{"main": b.f.second, "feature": b.f.feat})
			})

			t.Run("Unreachable", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				wrong := b.r
				wrong.Token = "wrong"
				if _, err := Head(t.Context(), wrong, "main"); err == nil || !strings.Contains(err.Error(), "authentication required") {
					t.Fatalf("wrong token: %v", err)
				}
				missing := b.r
				missing.URL = strings.TrimSuffix(b.r.URL, "app.git") + "other.git"
				if _, err := Head(t.Context(), missing, "main"); !errors.Is(err, ErrRepositoryNotFound) {
					t.Fatalf("missing repository: %v", err)
				}
			})
		})
	}
}

func TestRemoteAttempts(t *testing.T) {
	t.Parallel()
	main := plumbing.NewHash("1111111111111111111111111111111111111111")
	old := plumbing.NewHash("2222222222222222222222222222222222222222")
	refs := map[plumbing.ReferenceName]plumbing.Hash{
		"refs/heads/main": main, "refs/heads/copy": main, "refs/pull/1/head": old, "HEAD": main,
	}
	const full = "+refs/heads/*:refs/heads/* +refs/tags/*:refs/tags/* 0"
	cases := []struct {
		name          string
		shallow, byID bool
		id            plumbing.Hash
		want          []string
	}{
		{"ShallowRef", true, false, main, []string{"+refs/heads/copy:refs/heads/copy 1", full}},
		{"Ref", false, true, main, []string{"+refs/heads/copy:refs/heads/copy 0", full}},
		{"ShallowByID", true, true, old, []string{old.String() + ":refs/heads/wanted 1", full}},
		{"Full", true, false, old, []string{full}},
	}
	for _, c := range cases {
		m := &remote{refs: refs, shallow: c.shallow, byID: c.byID}
		var got []string
		for _, a := range m.attempts(c.id) {
			got = append(got, fmt.Sprint(strings.Trim(fmt.Sprint(a.specs), "[]"), " ", a.depth))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("%s: attempts %q, want %q", c.name, got, c.want)
		}
	}
}

func TestRemoteClosed(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	r := Repo{URL: ts.URL + "/app.git"}
	_, err := Head(t.Context(), r, "main")
	if err == nil || !strings.Contains(err.Error(), "reach repository "+r.URL) {
		t.Fatalf("closed server: %v", err)
	}
}
