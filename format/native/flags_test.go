package native

import (
	"flag"
	"hash/crc32"
)

var update = flag.Bool("update", false, "rewrite testdata/small.npc")

func crcHeader(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

func crcData(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
