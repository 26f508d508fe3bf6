package wire

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp of the model. On the wire it is a JSON number of epoch
// seconds (the model has no @timestampFormat, so awsJson1_1 uses
// epoch-seconds): it marshals with millisecond precision, e.g. 1700000000.123
// (or 1700000000 when the milliseconds are zero), and unmarshals from any JSON
// number, integer or fractional. A JSON string is an error, as it is for the
// AWS SDK for Go v2.
type Time struct{ time.Time }

// NewTime returns a pointer to t as a Time, for use in wire structs.
func NewTime(t time.Time) *Time { return &Time{Time: t} }

// MarshalJSON writes the epoch seconds, truncated to the millisecond.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	var b []byte
	if ms < 0 {
		b = append(b, '-')
		if ms == math.MinInt64 {
			return nil, errors.New("wire.Time: time out of range")
		}
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		b = bytes.TrimRight(b, "0")
	}
	return b, nil
}

// maxEpochSeconds bounds the accepted timestamps (about ±290 million years),
// so that the conversions below cannot overflow.
const maxEpochSeconds = 1 << 53 / 1000

// UnmarshalJSON reads epoch seconds from a JSON number. Fractional seconds are
// rounded to the millisecond. JSON null leaves t unchanged.
func (t *Time) UnmarshalJSON(data []byte) error {
	s := string(bytes.TrimSpace(data))
	if s == "null" {
		return nil
	}
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return fmt.Errorf("wire.Time: expected a JSON number of epoch seconds, got %.32q", s)
	}
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
		if sec > maxEpochSeconds || sec < -maxEpochSeconds {
			return fmt.Errorf("wire.Time: epoch seconds %s out of range", s)
		}
		t.Time = time.Unix(sec, 0)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("wire.Time: expected a JSON number of epoch seconds, got %.32q", s)
	}
	if f > maxEpochSeconds || f < -maxEpochSeconds {
		return fmt.Errorf("wire.Time: epoch seconds %.32q out of range", s)
	}
	sec := math.Floor(f)
	ms := int64(math.Round((f - sec) * 1000))
	t.Time = time.UnixMilli(int64(sec)*1000 + ms)
	return nil
}

// Ptr returns a pointer to a copy of v.
func Ptr[T any](v T) *T { return &v }

// Value returns *p, or the zero value of T when p is nil.
func Value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
