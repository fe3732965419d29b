package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/kneescreen/kneescreen/screening"
)

// ErrUnknownEnv reports a KNEESCREEN_ environment variable in the namespace
// of a configuration section that names none of its settings.
var ErrUnknownEnv = errors.New("names no setting")

// envCheckedSections are the commands whose environment namespace
// (KNEESCREEN_<SECTION>_) holds nothing but their settings; serve, users
// and worker also read secrets there (KNEESCREEN_SERVE_ADMIN_PASSWORD),
// which are not settings. The screening sections, thresholds and filter,
// are checked with each of them.
var envCheckedSections = []string{"analyze", "live", "pose", "probe"}

// checkEnv rejects an environment variable in the namespace of section
// (when it is one of envCheckedSections) or of the thresholds and filter
// sections that names no setting: viper reads only the variables of the
// keys it knows, so a misspelt KNEESCREEN_ANALYZE_MOVMENT would otherwise
// be ignored silently, as a misspelt key in the config file is not. cfg is
// the section's typed configuration, whose mapstructure tags are its keys.
func (a *App) checkEnv(section string, cfg any) error {
	if !slices.Contains(envCheckedSections, section) {
		return nil
	}
	known := map[string]bool{}
	for _, k := range configKeys(section, reflect.TypeOf(cfg)) {
		known[envKey(k)] = true
	}
	for _, s := range screening.ThresholdSpecs() {
		known[envKey(s.Key)] = true
	}
	for _, k := range configKeys("filter", reflect.TypeOf(screening.FilterOptions{})) {
		known[envKey(k)] = true
	}
	for _, k := range a.v.AllKeys() { // flags bound under other names
		known[envKey(k)] = true
	}
	prefixes := []string{envKey(section) + "_", envKey("thresholds") + "_", envKey("filter") + "_"}
	var unknown []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) && !known[name] {
				unknown = append(unknown, name)
				break
			}
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	hint := "unset or rename it"
	if near := nearest(unknown[0], known); near != "" {
		hint = "did you mean " + near + "? " + hint
	}
	others := ""
	if len(unknown) > 1 {
		others = " (and " + strings.Join(unknown[1:], ", ") + ")"
	}
	return fmt.Errorf("environment: %s%s: %w; %s", unknown[0], others, ErrUnknownEnv, hint)
}

// configKeys lists the configuration keys of a typed configuration (a
// struct or a pointer to one) under prefix: each field's mapstructure name,
// squashed structs' fields at the same level, other structs' fields one
// level down.
func configKeys(prefix string, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		if opts == "squash" {
			keys = append(keys, configKeys(prefix, ft)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		key := prefix + "." + name
		if ft.Kind() == reflect.Struct && !ft.Implements(textUnmarshaler) && !reflect.PointerTo(ft).Implements(textUnmarshaler) {
			keys = append(keys, configKeys(key, ft)...)
			continue
		}
		keys = append(keys, key)
	}
	return keys
}

var textUnmarshaler = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()

// nearest is the name in known closest to name by edit distance, when it is
// close enough to be a misspelling (at most 2 edits), else "".
func nearest(name string, known map[string]bool) string {
	best, bestD := "", 3
	for k := range known {
		if d := editDistance(name, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
