package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// constraints are the effective constraint traits of a value: those of the
// target shape, each replaced by the member's own trait of the same name when
// the member has one (Smithy: member traits override target traits).
type constraints struct {
	length  *lengthTrait
	rng     *rangeTrait
	pattern *string
}

var constraintTraits = []string{traitLength, traitRange, traitPattern}

func hasConstraint(t traits) bool {
	for _, n := range constraintTraits {
		if t.has(n) {
			return true
		}
	}
	return false
}

func (g *generator) constraintsOf(target string, over traits, where string) constraints {
	var c constraints
	for _, t := range []traits{g.shapeTraits(target), over} {
		if raw, ok := t[traitLength]; ok {
			c.length = new(lengthTrait)
			if err := decodeTrait(raw, c.length); err != nil {
				g.errorf("%s: bad @length: %v", where, err)
			}
		}
		if raw, ok := t[traitRange]; ok {
			c.rng = new(rangeTrait)
			if err := decodeTrait(raw, c.rng); err != nil {
				g.errorf("%s: bad @range: %v", where, err)
			}
		}
		if raw, ok := t[traitPattern]; ok {
			c.pattern = new(string)
			if err := decodeTrait(raw, c.pattern); err != nil {
				g.errorf("%s: bad @pattern: %v", where, err)
			}
		}
	}
	return c
}

// refNeeds reports whether a value of target (with the member traits over)
// has anything to validate.
func (g *generator) refNeeds(target string, over traits) bool {
	if hasConstraint(over) || hasConstraint(g.shapeTraits(target)) {
		return true
	}
	switch g.kind(target) {
	case "enum":
		return true
	case "structure", "union":
		return g.structNeeds(target)
	case "list", "set":
		s := g.m.Shapes[target]
		return s.Member != nil && g.refNeeds(s.Member.Target, s.Member.Traits)
	case "map":
		s := g.m.Shapes[target]
		return (s.Key != nil && g.refNeeds(s.Key.Target, s.Key.Traits)) ||
			(s.Value != nil && g.refNeeds(s.Value.Target, s.Value.Traits))
	}
	return false
}

func (g *generator) structNeeds(id string) bool {
	switch g.structNeed[id] {
	case 1: // recursive shape: assume it does
		return true
	case 2:
		return false
	case 3:
		return true
	}
	g.structNeed[id] = 1
	need := false
	for _, mb := range g.m.Shapes[id].Members {
		if mb.Traits.has(traitRequired) || g.refNeeds(mb.Target, mb.Traits) {
			need = true
			break
		}
	}
	g.structNeed[id] = 2
	if need {
		g.structNeed[id] = 3
	}
	return need
}

// validateCall returns the statement that validates the present value expr
// of target, or "" when there is nothing to validate. hint names the check
// function when the member has constraint traits of its own.
func (g *generator) validateCall(target string, over traits, hint, expr string) string {
	switch g.kind(target) {
	case "structure", "union":
		if g.structNeeds(target) {
			return expr + ".validate(v)"
		}
		return ""
	}
	if fn := g.checkFor(target, over, hint); fn != "" {
		return fn + "(v, " + expr + ")"
	}
	return ""
}

const inProgress = "\x00"

// checkFor returns the name of the function validating a value of target, or
// "" if there is nothing to check. It generates the function on first use.
func (g *generator) checkFor(target string, over traits, hint string) string {
	name := "check" + shapeName(target)
	key := target
	if hasConstraint(over) {
		name = "check" + hint
		key = target + " with the traits of " + hint
	}
	if cf, ok := g.checks[name]; ok {
		if cf.key != key {
			g.errorf("check function %s is wanted for %s and for %s", name, cf.key, key)
		}
		if cf.body == "" {
			return ""
		}
		return name
	}
	if !g.refNeeds(target, over) {
		g.checks[name] = &checkFunc{name: name, key: key}
		return ""
	}
	cf := &checkFunc{name: name, key: key, body: inProgress}
	g.checks[name] = cf
	self := strings.TrimPrefix(name, "check")
	c := g.constraintsOf(target, over, key)
	body := g.checkBody(target, c, self, key)
	if body == "" {
		cf.body = ""
		return ""
	}
	cf.body = fmt.Sprintf("func %s(v *validator, x %s) {\n%s}\n", name, g.goType(target, false), body)
	return name
}

func (g *generator) checkBody(target string, c constraints, self, where string) string {
	var b strings.Builder
	k := g.kind(target)
	switch k {
	case "string", "enum":
		s := "x"
		if k == "enum" {
			s = "string(x)"
		}
		fail := func(msg string) string { return fmt.Sprintf("v.failString(%s, %s)", s, goString(msg)) }
		b.WriteString(lengthCode("utf8.RuneCountInString("+s+")", c.length, fail))
		if c.pattern != nil {
			pv := g.pattern(*c.pattern, self, where)
			fmt.Fprintf(&b, "if !%s.MatchString(%s) {\n%s\n}\n", pv.name, s,
				fail("Member must satisfy regular expression pattern: "+pv.display))
		}
		if k == "enum" {
			names, values := g.enumValues(target)
			typ := shapeName(target)
			consts := make([]string, len(names))
			for i, n := range names {
				consts[i] = typ + n
			}
			fmt.Fprintf(&b, "switch x {\ncase %s:\ndefault:\n%s\n}\n", strings.Join(consts, ", "),
				fail("Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]"))
		}
		if c.rng != nil {
			g.errorf("%s: @range on a %s is not supported", where, k)
		}
	case "integer", "long", "double", "float":
		b.WriteString(g.rangeCode(k, c.rng, where))
		if c.length != nil || c.pattern != nil {
			g.errorf("%s: @length or @pattern on a %s is not supported", where, k)
		}
	case "blob":
		b.WriteString(lengthCode("len(x)", c.length, func(msg string) string {
			return fmt.Sprintf("v.failString(string(x), %s)", strconv.Quote(msg))
		}))
	case "list", "set":
		s := g.m.Shapes[target]
		render := "renderList(len(x))"
		switch g.kind(s.Member.Target) {
		case "string", "enum":
			render = "renderStrings(x)"
		case "integer", "long":
			render = "renderInts(x)"
		case "double", "float":
			render = "renderFloats(x)"
		case "boolean":
			render = "renderBools(x)"
		}
		b.WriteString(lengthCode("len(x)", c.length, func(msg string) string {
			return fmt.Sprintf("v.fail(%s, %s)", render, strconv.Quote(msg))
		}))
		elem := g.validateCall(s.Member.Target, s.Member.Traits, self+"Member", "x[i]")
		if elem != "" {
			fmt.Fprintf(&b, "for i := range x {\nv.enterIndex(i)\n%s\nv.leave()\n}\n", elem)
		}
	case "map":
		s := g.m.Shapes[target]
		render := "renderMap(x)"
		if vk := g.kind(s.Value.Target); vk == "string" || vk == "enum" {
			render = "renderStringMap(x)"
		}
		b.WriteString(lengthCode("len(x)", c.length, func(msg string) string {
			return fmt.Sprintf("v.fail(%s, %s)", render, strconv.Quote(msg))
		}))
		keyExpr := "k"
		if g.kind(s.Key.Target) == "enum" {
			keyExpr = shapeName(s.Key.Target) + "(k)"
		}
		// Key violations are reported at the path of the map itself, with
		// the key as the value; value violations at <map>.<key>.
		key := g.validateCall(s.Key.Target, s.Key.Traits, self+"Key", keyExpr)
		val := ""
		switch g.kind(s.Value.Target) {
		case "structure", "union":
			if g.structNeeds(s.Value.Target) {
				val = "e := x[k]\ne.validate(v)"
			}
		default:
			val = g.validateCall(s.Value.Target, s.Value.Traits, self+"Value", "x[k]")
		}
		if key != "" || val != "" {
			b.WriteString("for _, k := range sortedKeys(x) {\n")
			if key != "" {
				b.WriteString(key + "\n")
			}
			if val != "" {
				fmt.Fprintf(&b, "v.enter(k)\n%s\nv.leave()\n", val)
			}
			b.WriteString("}\n")
		}
	default:
		if c.length != nil || c.rng != nil || c.pattern != nil {
			g.errorf("%s: constraint traits on a %s are not supported", where, k)
		}
	}
	return b.String()
}

// lengthCode checks the @length bounds of count. Smithy counts Unicode scalar
// values for strings and elements for lists and maps.
func lengthCode(count string, l *lengthTrait, fail func(msg string) string) string {
	if l == nil {
		return ""
	}
	var conds []string
	if l.Min != nil && *l.Min > 0 {
		conds = append(conds, fmt.Sprintf("n < %d {\n%s\n}", *l.Min,
			fail(fmt.Sprintf("Member must have length greater than or equal to %d", *l.Min))))
	}
	if l.Max != nil {
		conds = append(conds, fmt.Sprintf("n > %d {\n%s\n}", *l.Max,
			fail(fmt.Sprintf("Member must have length less than or equal to %d", *l.Max))))
	}
	if len(conds) == 0 {
		return ""
	}
	return fmt.Sprintf("if n := %s; %s\n", count, strings.Join(conds, " else if "))
}

func (g *generator) rangeCode(kind string, r *rangeTrait, where string) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	bound := func(n *json.Number, op, words string) {
		if n == nil {
			return
		}
		text := n.String()
		msg := strconv.Quote("Member must have value " + words + " " + text)
		switch kind {
		case "integer", "long":
			i, err := strconv.ParseInt(text, 10, 64)
			if err != nil {
				g.errorf("%s: @range bound %s is not an integer", where, text)
				return
			}
			if kind == "integer" && (i < math.MinInt32 || i > math.MaxInt32) {
				return // the Go type cannot hold a value past this bound
			}
			fmt.Fprintf(&b, "if x %s %d {\nv.failInt(int64(x), %s)\n}\n", op, i, msg)
		default:
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				g.errorf("%s: @range bound %s is not a number", where, text)
				return
			}
			fmt.Fprintf(&b, "if x %s %s {\nv.failFloat(float64(x), %s)\n}\n", op, text, msg)
		}
	}
	bound(r.Min, "<", "greater than or equal to")
	bound(r.Max, ">", "less than or equal to")
	return b.String()
}

// anchorPattern turns a model pattern (ECMA-262, not implicitly anchored) into
// a Go regexp source that matches the whole value, and the text that error
// messages show. A pattern anchored at one end only (RoleArn is
// ^arn:...:role/) is a prefix (or suffix) pattern: it is matched as
// ^(?:p).*$ and shown as p.* without the anchor, which is how AWS states it.
// Other patterns are matched as ^(?:p)$ and shown without their ^ and $.
func anchorPattern(p string) (source, display string, err error) {
	tr, err := translatePattern(p)
	if err != nil {
		return "", "", err
	}
	start := strings.HasPrefix(p, "^")
	end := hasTrailingDollar(p)
	switch {
	case start && !end:
		source = "^(?:" + tr + ").*$"
		display = p[1:] + ".*"
	case end && !start:
		source = "^.*(?:" + tr + ")$"
		display = ".*" + p[:len(p)-1]
	case start && end:
		source = "^(?:" + tr + ")$"
		display = p[1 : len(p)-1]
	default:
		source = "^(?:" + tr + ")$"
		display = p
	}
	if _, err := regexp.Compile(source); err != nil {
		return "", "", err
	}
	return source, display, nil
}

func hasTrailingDollar(p string) bool {
	if !strings.HasSuffix(p, "$") {
		return false
	}
	n := 0
	for i := len(p) - 2; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

var ecmaUnicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// translatePattern rewrites the ECMA-262 constructs that have a direct RE2
// spelling (\uXXXX) and rejects those that have none (look-around and back
// references); everything else is passed to regexp.Compile as it is.
func translatePattern(p string) (string, error) {
	for _, bad := range []string{"(?=", "(?!", "(?<=", "(?<!"} {
		if strings.Contains(p, bad) {
			return "", fmt.Errorf("look-around %q has no RE2 equivalent", bad)
		}
	}
	if regexp.MustCompile(`\\[1-9]`).MatchString(p) {
		return "", fmt.Errorf("back references have no RE2 equivalent")
	}
	return ecmaUnicodeEscape.ReplaceAllString(p, `\x{$1}`), nil
}

// checkAllPatterns compiles every pattern of the model, used or not, and
// reports all that RE2 cannot take.
func (g *generator) checkAllPatterns() {
	ids := make([]string, 0, len(g.m.Shapes))
	for id := range g.m.Shapes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	check := func(where string, t traits) {
		raw, ok := t[traitPattern]
		if !ok {
			return
		}
		var p string
		if err := decodeTrait(raw, &p); err != nil {
			g.errorf("%s: bad @pattern: %v", where, err)
			return
		}
		if _, _, err := anchorPattern(p); err != nil {
			g.errorf("%s: pattern %q does not compile as Go RE2: %v", where, p, err)
		}
	}
	for _, id := range ids {
		s := g.m.Shapes[id]
		check(id, s.Traits)
		for _, mb := range s.Members {
			check(id+"$"+mb.Name, mb.Traits)
		}
		for _, r := range []*ref{s.Member, s.Key, s.Value} {
			if r != nil {
				check(id+" (list or map member)", r.Traits)
			}
		}
	}
}

// pattern returns the package-level regexp variable for a model pattern,
// shared by every shape with the same pattern.
func (g *generator) pattern(p, user, where string) *patternVar {
	source, display, err := anchorPattern(p)
	if err != nil {
		g.errorf("%s: pattern %q does not compile as Go RE2: %v", where, p, err)
	}
	pv, ok := g.patterns[source]
	if !ok {
		// The name is settled in emitValidate, from the sorted users.
		pv = &patternVar{name: fmt.Sprintf("\x01%d\x01", len(g.patterns)), source: source, model: p, display: display}
		g.patterns[source] = pv
	}
	pv.users = append(pv.users, user)
	return pv
}

// emitValidate writes a validate method for every structure reachable from
// an operation input, the check functions they call and the regexps.
func (g *generator) emitValidate() string {
	var methods bytes.Buffer
	for _, id := range g.typeIDs {
		if k := g.kind(id); (k == "structure" || k == "union") && g.inputIDs[id] {
			g.emitValidateMethod(&methods, id)
		}
	}

	names := make([]string, 0, len(g.checks))
	for name, cf := range g.checks {
		if cf.body != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var checks bytes.Buffer
	for _, name := range names {
		checks.WriteString(g.checks[name].body)
		checks.WriteString("\n")
	}

	code := methods.String() + checks.String()
	pvs := make([]*patternVar, 0, len(g.patterns))
	for _, pv := range g.patterns {
		sort.Strings(pv.users)
		pv.users = dedupe(pv.users)
		placeholder := pv.name
		pv.name = "re" + pv.users[0]
		code = strings.ReplaceAll(code, placeholder, pv.name)
		pvs = append(pvs, pv)
	}
	sort.Slice(pvs, func(i, j int) bool { return pvs[i].name < pvs[j].name })

	var buf bytes.Buffer
	header(g, &buf)
	var imports []string
	if len(pvs) > 0 {
		imports = append(imports, `"regexp"`)
	}
	if strings.Contains(code, "utf8.") {
		imports = append(imports, `"unicode/utf8"`)
	}
	if len(imports) > 0 {
		fmt.Fprintf(&buf, "import (\n%s\n)\n\n", strings.Join(imports, "\n"))
	}
	if len(pvs) > 0 {
		buf.WriteString("// The patterns of the model, compiled once. Each matches the whole value.\nvar (\n")
		for _, pv := range pvs {
			fmt.Fprintf(&buf, "\t// %s\n\t%s = regexp.MustCompile(%s)\n", strings.Join(pv.users, ", "), pv.name, goString(pv.source))
		}
		buf.WriteString(")\n\n")
	}
	buf.WriteString(code)
	return buf.String()
}

func (g *generator) emitValidateMethod(buf *bytes.Buffer, id string) {
	name := shapeName(id)
	var body strings.Builder
	for _, mb := range g.m.Shapes[id].Members {
		field := "s." + exportName(mb.Name)
		k := g.kind(mb.Target)
		required := mb.Traits.has(traitRequired)
		absent := field + " == nil"
		expr := field
		switch k {
		case "enum":
			absent = field + ` == ""`
		case "string", "integer", "long", "boolean", "double", "float", "timestamp":
			expr = "*" + field
		}
		call := g.validateCall(mb.Target, mb.Traits, name+exportName(mb.Name), expr)
		lit := strconv.Quote(mb.Name)
		switch {
		case required && call == "":
			fmt.Fprintf(&body, "if %s {\nv.null(%s)\n}\n", absent, lit)
		case required:
			fmt.Fprintf(&body, "if %s {\nv.null(%s)\n} else {\nv.enter(%s)\n%s\nv.leave()\n}\n", absent, lit, lit, call)
		case call != "":
			present := strings.Replace(absent, "==", "!=", 1)
			fmt.Fprintf(&body, "if %s {\nv.enter(%s)\n%s\nv.leave()\n}\n", present, lit, call)
		}
	}
	fmt.Fprintf(buf, "func (s *%s) validate(v *validator) {\n", name)
	if body.Len() > 0 {
		fmt.Fprintf(buf, "if s == nil {\ns = &%s{}\n}\n%s", name, body.String())
	}
	buf.WriteString("}\n\n")
}
