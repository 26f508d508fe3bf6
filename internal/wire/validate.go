package wire

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Validatable is implemented by every generated structure reachable from an
// operation input. The walk is unexported: use Validate.
type Validatable interface {
	validate(v *validator)
}

// Validate checks in against the constraints of the model: @required,
// @length (strings in characters, lists and maps in elements), @pattern
// (matched against the whole value), @range and enum membership, recursively.
// It returns nil or a *ValidationError listing every violation, in model
// member order, depth first.
//
// A nil pointer of an input type is validated as an empty input; a nil
// interface has nothing to check.
//
// Member paths are the JSON member names joined with dots. A list element is
// <list>.<i>.member with i counted from 1, e.g.
// pipeline.stages.2.member.actions.1.member.name. A map value is
// <map>.<key>, e.g. pipeline.artifactStores.us-east-1.location; a violation of
// a map key's own constraints is reported at the path of the map, with the key
// as the value.
func Validate(in Validatable) error {
	if in == nil {
		return nil
	}
	v := &validator{}
	v.path = v.buf[:0]
	in.validate(v)
	if len(v.violations) == 0 {
		return nil
	}
	return &ValidationError{Violations: v.violations}
}

// ValidationError is the answer to an input that breaks the model's
// constraints; the server sends it as a ValidationException.
type ValidationError struct {
	Violations []Violation
}

// Error is the message AWS sends, e.g.
//
//	1 validation error detected: Value 'my name' at 'pipeline.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\-_]+
//
// with several violations joined by "; " after "N validation errors detected: ".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(e.Violations)))
	if len(e.Violations) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		v.write(&b)
	}
	return b.String()
}

// Violation is one broken constraint.
type Violation struct {
	// Path is the member path, e.g. pipeline.stages.2.member.name.
	Path string
	// Value is the offending value as the message shows it: null, or the
	// value in single quotes ('my name', '1001', '[a, b]'), cut to about 256
	// characters.
	Value string
	// Message is the constraint, e.g. "Member must not be null".
	Message string
}

// String is the violation as one clause of the AWS message:
// Value <value> at '<path>' failed to satisfy constraint: <message>.
func (v Violation) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v Violation) write(b *strings.Builder) {
	b.WriteString("Value ")
	b.WriteString(v.Value)
	b.WriteString(" at '")
	b.WriteString(v.Path)
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(v.Message)
}

// segment is one step of a member path: a member name or map key, or, when
// index > 0, the list element "<index>.member".
type segment struct {
	name  string
	index int
}

// validator collects violations. The path is kept as segments and rendered
// only when a violation is found, so a valid input costs no string building.
type validator struct {
	path       []segment
	violations []Violation
	buf        [12]segment
}

func (v *validator) enter(name string) { v.path = append(v.path, segment{name: name}) }

// enterIndex enters the list element with 0-based index i.
func (v *validator) enterIndex(i int) { v.path = append(v.path, segment{index: i + 1}) }

func (v *validator) leave() { v.path = v.path[:len(v.path)-1] }

func (v *validator) pathString() string {
	var b strings.Builder
	for i, s := range v.path {
		if i > 0 {
			b.WriteByte('.')
		}
		if s.index > 0 {
			b.WriteString(strconv.Itoa(s.index))
			b.WriteString(".member")
		} else {
			b.WriteString(s.name)
		}
	}
	return b.String()
}

// null reports the absent required member name of the current structure.
func (v *validator) null(name string) {
	v.enter(name)
	v.fail("null", "Member must not be null")
	v.leave()
}

// fail reports the value at the current path; value is already rendered.
func (v *validator) fail(value, msg string) {
	v.violations = append(v.violations, Violation{Path: v.pathString(), Value: value, Message: msg})
}

func (v *validator) failString(s, msg string) { v.fail("'"+truncate(s)+"'", msg) }

func (v *validator) failInt(n int64, msg string) { v.fail("'"+strconv.FormatInt(n, 10)+"'", msg) }

func (v *validator) failFloat(f float64, msg string) {
	v.fail("'"+strconv.FormatFloat(f, 'g', -1, 64)+"'", msg)
}

// maxValue is about how many bytes of a value a message shows.
const maxValue = 256

func truncate(s string) string {
	if len(s) <= maxValue {
		return s
	}
	i := maxValue
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// seq renders n items as [a, b, ...] and stops once the text is long enough.
func seq(open, close byte, n int, item func(i int) string) string {
	var b strings.Builder
	b.WriteByte('\'')
	b.WriteByte(open)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if b.Len() > maxValue {
			b.WriteString("...")
			break
		}
		b.WriteString(truncate(item(i)))
	}
	b.WriteByte(close)
	b.WriteByte('\'')
	return b.String()
}

func renderStrings[T ~string](x []T) string {
	return seq('[', ']', len(x), func(i int) string { return string(x[i]) })
}

func renderInts[T ~int32 | ~int64](x []T) string {
	return seq('[', ']', len(x), func(i int) string { return strconv.FormatInt(int64(x[i]), 10) })
}

func renderFloats[T ~float32 | ~float64](x []T) string {
	return seq('[', ']', len(x), func(i int) string { return strconv.FormatFloat(float64(x[i]), 'g', -1, 64) })
}

func renderBools(x []bool) string {
	return seq('[', ']', len(x), func(i int) string { return strconv.FormatBool(x[i]) })
}

// renderList renders a list of structures, lists or maps as [{...}, {...}].
func renderList(n int) string {
	return seq('[', ']', n, func(int) string { return "{...}" })
}

func renderStringMap[V ~string](m map[string]V) string {
	keys := sortedKeys(m)
	return seq('{', '}', len(keys), func(i int) string { return keys[i] + "=" + string(m[keys[i]]) })
}

// renderMap renders a map of structures, lists or maps as {k1={...}, ...}.
func renderMap[V any](m map[string]V) string {
	keys := sortedKeys(m)
	return seq('{', '}', len(keys), func(i int) string { return keys[i] + "={...}" })
}

// sortedKeys gives map members a deterministic validation order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
