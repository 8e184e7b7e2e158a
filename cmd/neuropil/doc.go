// Command neuropil builds, simulates and trains connectome-constrained
// neural network models. Run "neuropil help" for the list of commands.
//
// Conventions of this command:
//
//   - main only calls run(args, stdout, stderr) and exits 1 with the error
//     on stderr; every command is a function of the same shape, registered
//     by name from an init function in its own file (commands.go), so that
//     tests call run directly.
//   - Commands parse flags, load files, call the library (sim, train,
//     opticlobe, format) and write the results; model and solver logic
//     belongs to those packages, not here.
//   - Unknown names (commands, solvers, nonlinearities, formats) are errors
//     that list the known ones.
//   - Output files are written atomically (internal/atomic); a simulation's
//     --out directory gets summary.json last, so that its presence marks a
//     complete run. Arrays are .npy files (format/npy), C order, float32
//     activity [time][batch][neurons] unless a command says otherwise.
//   - CLI output is checked against golden files in testdata/; go test
//     -update rewrites them.
package main
