package main

// --db-file-dir (doc/peer-cli.md 4.8): the snapshot mode's DB from a file is
// the generated body byte for byte, with the same digests, and etcd's sender
// may close it twice. Run by build.sh with GOREF_TEST=1.

import (
	"bytes"
	"io"
	"os"
	"testing"
)

func snapshotArgs(extra ...string) []string {
	return append([]string{"--mode", "snapshot", "--id", "1", "--listen", "http://127.0.0.1:2381",
		"--peer", "2=http://127.0.0.1:2382", "--to", "2", "--db-size", "300001"}, extra...)
}

func readBody(t *testing.T, cfg *config) ([]byte, snapshotJSON, snapshotDB) {
	t.Helper()
	var out snapshotJSON
	body, err := snapshotBody(cfg, &out)
	if err != nil {
		t.Fatalf("snapshotBody: %v", err)
	}
	got, err := io.ReadAll(body.reader)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return got, out, body
}

func TestDBFileDir(t *testing.T) {
	for _, digest := range []string{"full", "cheap"} {
		generatedCfg, err := parseFlags(snapshotArgs("--digest", digest))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		fileCfg, err := parseFlags(snapshotArgs("--digest", digest, "--db-file-dir", dir))
		if err != nil || fileCfg.dbFileDir != dir {
			t.Fatalf("--db-file-dir %s: %v, %q", dir, err, fileCfg.dbFileDir)
		}
		generated, generatedOut, _ := readBody(t, generatedCfg)
		fromFile, fileOut, body := readBody(t, fileCfg)
		if len(fromFile) != 300001 || !bytes.Equal(fromFile, generated) {
			t.Errorf("%s: the file's %d bytes are not the generated %d", digest, len(fromFile), len(generated))
		}
		if fileOut.DBSha256 != generatedOut.DBSha256 || fileOut.DBCheck64 != generatedOut.DBCheck64 ||
			fileOut.DBSha256+fileOut.DBCheck64 == "" {
			t.Errorf("%s: digests %q %q, generated %q %q", digest, fileOut.DBSha256, fileOut.DBCheck64,
				generatedOut.DBSha256, generatedOut.DBCheck64)
		}
		if err := body.reader.Close(); err != nil {
			t.Errorf("first Close: %v", err)
		}
		if err := body.reader.Close(); err != nil {
			t.Errorf("second Close (etcd closes the body twice): %v", err)
		}
		if _, err := os.Stat(body.path); err != nil {
			t.Errorf("the file %s: %v", body.path, err)
		}
	}
}

func TestDBFileDirThatCannotBeWritten(t *testing.T) {
	cfg, err := parseFlags(snapshotArgs("--db-file-dir", "/nonexistent/dir"))
	if err != nil {
		t.Fatal(err)
	}
	var out snapshotJSON
	if _, err := snapshotBody(cfg, &out); err == nil {
		t.Fatal("a directory that does not exist: no error")
	}
}
