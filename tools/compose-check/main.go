// compose-check loads a Compose file with the Compose Specification's own Go loader and
// exits non-zero, printing why, if it is not a valid Compose file (unknown keys included).
// Usage (from this directory): go run . ../../docker-compose.yml
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check FILE")
		os.Exit(2)
	}
	file := os.Args[1]
	// The file refuses to load without APP_SECRET and ADMIN_API_KEY (`${VAR:?}`): CI has
	// none, so placeholders stand in; nothing else comes from the environment or a .env file.
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithEnv([]string{"APP_SECRET=compose-check-placeholder-0123456789", "ADMIN_API_KEY=compose-check-placeholder"}),
	)
	if err != nil {
		fail(file, err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(file, err)
	}
	fmt.Printf("%s: valid, project %q, %d services: %v\n", file, project.Name, len(project.Services), project.ServiceNames())
}

func fail(file string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
	os.Exit(1)
}
