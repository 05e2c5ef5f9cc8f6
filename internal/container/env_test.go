package container

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestEnvFlag(t *testing.T) {
	tests := []struct {
		args    []string
		want    map[string]string
		wantErr bool
	}{
		{args: nil, want: map[string]string{}},
		{args: []string{"--env", "MOCK_SEED=7", "--env=MOCK_AUTH=bearer"}, want: map[string]string{"MOCK_SEED": "7", "MOCK_AUTH": "bearer"}},
		{args: []string{"--env", "OPTS=a=b", "--env", "EMPTY="}, want: map[string]string{"OPTS": "a=b", "EMPTY": ""}},
		{args: []string{"--env", "A=1", "--env", "A=2"}, want: map[string]string{"A": "2"}},
		{args: []string{"--env", "NOVALUE"}, wantErr: true},
		{args: []string{"--env", "=x"}, wantErr: true},
	}
	for _, tt := range tests {
		env := EnvFlag{}
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var(env, "env", "")
		err := fs.Parse(tt.args)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err = %v, want error %v", tt.args, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(map[string]string(env), tt.want) {
			t.Errorf("%q: got %v, want %v", tt.args, env, tt.want)
		}
	}
	if got := (EnvFlag{"B": "2", "A": "1"}).String(); got != "A=1,B=2" {
		t.Errorf("String() = %q", got)
	}
}
