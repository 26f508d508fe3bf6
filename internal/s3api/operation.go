package s3api

import (
	"net/http"
	"net/url"
	"strings"
)

// opKind is what a request does, as far as authorization cares.
type opKind int

const (
	opOther        opKind = iota // bucket operations, listings, multi-delete: accounts only
	opCreateBucket               // CreateBucket: accounts only
	opRead                       // GetObject, HeadObject
	opPut                        // PutObject
	opCopy                       // CopyObject
	opDelete                     // DeleteObject, of a version or not
	opUpload                     // create, upload part, list parts, complete, abort
	opUnsupported                // a subresource the wire layer would take for another operation
)

// operation is a classified request.
type operation struct {
	kind        opKind
	loc         Location
	subresource string // for opUnsupported
}

// unsupported are subresources the wire layer does not implement. It
// routes on method and path alone, so "PUT /b/k?tagging" would store the
// tagging document as the object; they are refused first.
var unsupported = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "encryption",
	"intelligent-tiering", "inventory", "legal-hold", "lifecycle", "logging",
	"metrics", "notification", "object-lock", "ownershipControls", "policy",
	"policyStatus", "publicAccessBlock", "replication", "requestPayment",
	"restore", "retention", "select", "tagging", "torrent", "website",
}

// bucketSubresources are the queries the wire layer routes a bucket's PUT
// on before taking it for CreateBucket.
var bucketSubresources = []string{"uploadId", "uploads", "versioning", "versions", "versionId"}

func hasAny(q url.Values, keys []string) bool {
	for _, k := range keys {
		if q.Has(k) {
			return true
		}
	}
	return false
}

// classify names what r does. The bucket and key are split from the path
// as the wire layer splits them, so that what is authorized is what is
// served.
func classify(r *http.Request) operation {
	q := r.URL.Query()
	for _, s := range unsupported {
		if q.Has(s) {
			return operation{kind: opUnsupported, subresource: s}
		}
	}
	bucket, key, _ := strings.Cut(strings.Trim(r.URL.Path, "/"), "/")
	op := operation{loc: Location{Bucket: bucket, Key: key}}
	if bucket != "" && key == "" && r.Method == http.MethodPut && !hasAny(q, bucketSubresources) {
		op.kind = opCreateBucket
	}
	if bucket == "" || key == "" {
		return op
	}
	switch {
	case q.Has("uploadId"):
		if r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" {
			return operation{kind: opUnsupported, subresource: "uploadId with x-amz-copy-source (UploadPartCopy)"}
		}
		op.kind = opUpload
	case q.Has("uploads"):
		if r.Method == http.MethodPost {
			op.kind = opUpload
		}
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		op.kind = opRead
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		op.kind = opCopy
	case r.Method == http.MethodPut:
		op.kind = opPut
	case r.Method == http.MethodDelete:
		op.kind = opDelete
	}
	return op
}

// authorize checks op against the principal: accounts may do anything; a
// job may read its Read and Write objects and write its Write objects.
func (p principal) authorize(op operation) error {
	if p.grant == nil {
		return nil
	}
	switch op.kind {
	case opRead:
		if has(p.grant.Read, op.loc) || has(p.grant.Write, op.loc) {
			return nil
		}
	case opPut, opUpload:
		if has(p.grant.Write, op.loc) {
			return nil
		}
	}
	return errAccessDenied("Access Denied")
}

func has(locs []Location, l Location) bool {
	for _, x := range locs {
		if x == l {
			return true
		}
	}
	return false
}
