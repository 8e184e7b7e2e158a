package main

import "flag"

// profileFlags adds --cpuprofile and --memprofile to a command's flags and
// returns the places their values land, for profile.Start.
func profileFlags(fs *flag.FlagSet) (cpu, mem *string) {
	cpu = fs.String("cpuprofile", "", "write a CPU profile (pprof) of the command to `FILE`")
	mem = fs.String("memprofile", "", "write a heap profile (pprof, allocations since start) to `FILE` at the end")
	return cpu, mem
}
