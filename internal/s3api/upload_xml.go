package s3api

import (
	"encoding/xml"
	"io"
	"net/http"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// s3Namespace is the namespace of S3's XML documents.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// maxPartsXML bounds a CompleteMultipartUpload body, as the wire layer
// bounds every XML body it reads: room for MaxParts entries with long
// ETags and checksums.
const maxPartsXML = gofakes3.MaxXMLBodySize

// initiateResult answers CreateMultipartUpload.
type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// completeResult answers CompleteMultipartUpload.
type completeResult struct {
	XMLName xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	Bucket  string   `xml:"Bucket"`
	Key     string   `xml:"Key"`
	ETag    string   `xml:"ETag"`
}

// completeRequest is the CompleteMultipartUpload body. Whatever else a
// part names (its checksums) is not checked again: the store has the
// part's content, checked when it arrived.
type completeRequest struct {
	Parts []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

// readParts reads the parts a CompleteMultipartUpload names, with S3's
// checks of the list itself; the store checks them against the parts it
// holds. A failed read of the body is answered by the response writer.
func readParts(body io.Reader) ([]artifact.Part, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxPartsXML+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPartsXML {
		return nil, toS3Error(gofakes3.ErrMaxMessageLengthExceeded)
	}
	var in completeRequest
	if err := xml.Unmarshal(data, &in); err != nil {
		return nil, errMalformedXML(err.Error())
	}
	if len(in.Parts) == 0 {
		return nil, errMalformedXML("The XML you provided was not well-formed or did not validate against our published schema.")
	}
	parts := make([]artifact.Part, len(in.Parts))
	for i, p := range in.Parts {
		if i > 0 && p.PartNumber <= in.Parts[i-1].PartNumber {
			return nil, toS3Error(gofakes3.ErrInvalidPartOrder)
		}
		parts[i] = artifact.Part{Number: p.PartNumber, ETag: unquote(p.ETag)}
	}
	return parts, nil
}

func errMalformedXML(msg string) error {
	return &s3Error{code: string(gofakes3.ErrMalformedXML), status: http.StatusBadRequest, msg: msg}
}

// writeXML writes a successful response document. Its fields are plain
// strings, which cannot fail to encode; a failed write is the client gone.
func writeXML(w http.ResponseWriter, doc any) error {
	out, err := xml.Marshal(doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
	return nil
}
