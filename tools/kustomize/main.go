// kustomize: `kustomize build DIR` with the real kustomize library (sigs.k8s.io/kustomize/api,
// pinned in go.mod), embedded as tools/wiredb embeds FerretDB. It prints the built resources as a
// YAML stream on standard output; the tests validate each one against the Kubernetes schemas.
//
//	kustomize build deploy/k8s/overlays/production    (also: kustomize DIR)
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func main() {
	args := os.Args[1:]
	if len(args) == 2 && args[0] == "build" {
		args = args[1:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: kustomize build DIR")
		os.Exit(2)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "kustomize: %v\n", err)
		os.Exit(1)
	}
	out, err := resources.AsYaml()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kustomize: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
