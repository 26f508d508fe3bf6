// Package s3api is the embedded S3-compatible endpoint: path-style S3 over
// the artifact store, for pipeline artifacts, S3 source and deploy actions,
// and the temporary credentials jobs receive to read their inputs and
// write their outputs.
//
// The S3 wire itself (routing, XML, error bodies) is
// github.com/rclone/gofakes3, mounted with its own authentication off. This
// package puts four things around it:
//
//   - authentication and authorization in front (auth.go, operation.go,
//     owner.go): every request is SigV4-signed for service s3; per-job
//     credentials are checked against their grant and may touch only its
//     objects; accounts may use only their own buckets and those nobody
//     owns, when the server records owners;
//   - the request body (body.go): internal/sigv4 verifies payload hashes,
//     checksums and aws-chunked bodies as they stream, and the request is
//     rewritten to carry the plain content;
//   - a backend (backend*.go) that maps the wire layer's storage interfaces
//     onto artifact.Store, streaming bodies both ways, and reports committed
//     changes through Server.OnChange;
//   - the operations it serves itself, straight from the store: PutObject
//     (put.go), which spares a second MD5 of every body, and multipart
//     uploads (upload.go), which the wire layer would track in its own
//     memory. An upload is the store's alone, so it survives a restart and
//     any server sharing the store can continue it.
//
// Responses pass through one writer (response.go) that lets successful
// bodies stream untouched and rewrites error bodies in S3's XML with the
// request's id.
package s3api
