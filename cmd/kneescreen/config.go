package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/kneescreen/kneescreen/report"
)

// envPrefix prefixes every environment variable kneescreen reads.
const envPrefix = "KNEESCREEN"

// keyAnnotation is the pflag annotation that records which configuration
// key a flag sets. Binding is recorded where the flag is declared but only
// applied, by configure, for the command that actually runs, so two
// commands may bind flags to the same key without stepping on each other.
const keyAnnotation = "kneescreen/config-key"

// envKeyReplacer turns a configuration key into the tail of its
// environment variable's name: dots and dashes become underscores.
var envKeyReplacer = strings.NewReplacer(".", "_", "-", "_")

// envKey returns the environment variable that sets configuration key key
// ("section.key-name" is KNEESCREEN_SECTION_KEY_NAME), as viper derives it.
func envKey(key string) string {
	return envPrefix + "_" + strings.ToUpper(envKeyReplacer.Replace(key))
}

// newViper returns the one viper instance of a command tree.
func newViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(envKeyReplacer)
	v.AutomaticEnv()
	return v
}

// bindFlag records that flag name of fs sets configuration key key
// ("section.key"). It panics if the flag does not exist: that is a
// programming error found by any test that builds the command tree.
func bindFlag(fs flagSet, name, key string) {
	f := fs.Lookup(name)
	if f == nil {
		panic(fmt.Sprintf("kneescreen: bindFlag: no flag %q", name))
	}
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[keyAnnotation] = []string{key}
}

// configure binds the running command's flags to viper and reads the
// config file. It runs as the root's PersistentPreRunE.
func (a *App) configure(cmd *cobra.Command) error {
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if keys := f.Annotations[keyAnnotation]; len(keys) == 1 && bindErr == nil {
			bindErr = a.v.BindPFlag(keys[0], f)
		}
	})
	if bindErr != nil {
		return bindErr
	}
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		path = os.Getenv(envPrefix + "_CONFIG")
	}
	if path == "" {
		return nil
	}
	a.v.SetConfigFile(path)
	a.v.SetConfigType("yaml") // whatever the extension: the documented format is YAML
	if err := a.v.ReadInConfig(); err != nil {
		var notFound viper.ConfigFileNotFoundError
		if errors.As(err, &notFound) || errors.Is(err, os.ErrNotExist) {
			return &UsageError{Err: fmt.Errorf("config file %s: %w", path, os.ErrNotExist)}
		}
		return &UsageError{Err: fmt.Errorf("config file %s: %w", path, err)}
	}
	if err := a.checkSections(cmd.Root(), path); err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

// sharedSections are the top-level configuration sections that belong to
// no single command: the screening thresholds and the keypoint filter.
var sharedSections = []string{"thresholds", "filter"}

// ErrUnknownSection reports a top-level section of the configuration that
// no command reads (a misspelt "analyse:" or "threshold:").
var ErrUnknownSection = errors.New("unknown section")

// checkSections rejects top-level keys of the config file at path that no
// command reads (a misspelt section would otherwise be ignored silently,
// and with it, say, sex-specific thresholds), and sections that are not
// mappings of settings (which would hide the flags' defaults). The valid
// sections are the commands of root (a command's section starts with its
// name, "models.convert" lives under "models") and sharedSections, so a new
// command needs nothing here.
func (a *App) checkSections(root *cobra.Command, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config file %s: want a mapping of sections: %w", path, err)
	}
	valid := map[string]bool{}
	for _, s := range sharedSections {
		valid[s] = true
	}
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" { // cobra's own, no configuration
			valid[c.Name()] = true
		}
	}
	var unknown []string
	for k, v := range doc {
		if !valid[strings.ToLower(k)] {
			unknown = append(unknown, k)
			continue
		}
		if _, ok := v.(map[string]any); !ok && v != nil {
			return fmt.Errorf("config file %s: section %q must be a mapping of settings (key: value), got %s", path, k, yamlKind(v))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	names := slices.Sorted(maps.Keys(valid))
	plural := ""
	if len(unknown) > 1 {
		plural = "s"
	}
	return fmt.Errorf("config file %s: %w%s %s (valid sections: %s)", path, ErrUnknownSection, plural,
		strings.Join(quoteAll(unknown), ", "), strings.Join(names, ", "))
}

// yamlKind names the kind of a decoded YAML value for a message.
func yamlKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// quoteAll quotes each string.
func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// validator is implemented by every command's typed Config.
type validator interface{ Validate() error }

// run is the shared tail of every command's RunE: it decodes configuration
// section into cfg (a pointer to the command's typed Config), validates it,
// and then runs fn with the command's context. Errors before fn runs are
// usage errors (exit 2).
func (a *App) run(cmd *cobra.Command, section string, cfg validator, fn func(context.Context) error) error {
	if err := a.checkEnv(section, cfg); err != nil {
		return &UsageError{Err: err}
	}
	if err := a.decode(section, cfg); err != nil {
		return &UsageError{Err: err}
	}
	if err := cfg.Validate(); err != nil {
		return &UsageError{Err: err}
	}
	a.started = true
	return fn(cmd.Context())
}

// decode fills dst from configuration section ("" for the whole tree).
// Values from the environment arrive as strings, so decoding is weakly typed
// ("3" becomes 3); keys in the section that dst does not know are an error,
// which catches typos in config files.
func (a *App) decode(section string, dst any) error {
	var src any = a.v.AllSettings()
	if section != "" {
		for _, part := range strings.Split(section, ".") {
			m, ok := src.(map[string]any)
			if !ok {
				src = nil
				break
			}
			src = m[part]
		}
	}
	if src == nil {
		src = map[string]any{}
	}
	if _, ok := src.(map[string]any); !ok {
		return fmt.Errorf("config: %s: want a mapping of settings, got %T", section, src)
	}
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           dst,
		WeaklyTypedInput: true,
		ErrorUnused:      true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			formatsHook,
			mapstructure.StringToSliceHookFunc(","),
			// Typed enumerations (screening.Movement, ...) parse
			// themselves, once, here.
			mapstructure.TextUnmarshallerHookFunc(),
		),
	})
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := dec.Decode(src); err != nil {
		return decodeError(section, err)
	}
	return nil
}

// formatsHook decodes a list of output formats ("json,csv" or a list)
// into report.Formats.
func formatsHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeOf(report.Formats{}) {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		return report.ParseFormats([]string{v})
	case []string:
		return report.ParseFormats(v)
	case []any:
		names := make([]string, len(v))
		for i, x := range v {
			names[i] = fmt.Sprint(x)
		}
		return report.ParseFormats(names)
	}
	return data, nil
}

// decodeError rewrites mapstructure's multi-line error into one line that
// names the offending key and where it can have come from.
func decodeError(section string, err error) error {
	errs := []error{err}
	if joined, ok := errors.Unwrap(err).(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		var de *mapstructure.DecodeError
		if errors.As(e, &de) && de.Name() != "" {
			key := de.Name()
			if section != "" {
				key = section + "." + key
			}
			msgs = append(msgs, fmt.Sprintf("%s (flag, %s or config file): %v", key, envKey(key), de.Unwrap()))
			continue
		}
		msg := e.Error()
		if errors.As(e, &de) {
			msg = de.Unwrap().Error() // e.g. "has invalid keys: cuont"
		}
		msgs = append(msgs, section+": "+msg)
	}
	return &configError{msg: "config: " + strings.Join(msgs, "; "), err: err}
}

// configError carries a one-line message and the decoder's error.
type configError struct {
	msg string
	err error
}

func (e *configError) Error() string { return e.msg }
func (e *configError) Unwrap() error { return e.err }
