# kretslopp-collector container image (used by deploy/compose and
# deploy/kubernetes). Build from the repository root:
#   docker build -f deploy/docker/collector.Dockerfile -t kretslopp-collector:dev .
# A static binary on Alpine: busybox wget serves the compose healthcheck;
# the process runs as an unprivileged user on a read-only root file system.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/kretslopp-collector ./collector/cmd/kretslopp-collector

FROM alpine:3.22.1
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 65532 kretslopp && adduser -S -D -H -u 65532 -G kretslopp kretslopp
COPY --from=build /out/kretslopp-collector /usr/local/bin/kretslopp-collector
USER 65532:65532
EXPOSE 4318
ENV KRETSLOPP_LISTEN=:4318
ENTRYPOINT ["/usr/local/bin/kretslopp-collector"]
CMD ["serve"]
