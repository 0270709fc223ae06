#!/usr/bin/env bash
# Builds the Reelforge images, tags them and pushes them to the ECR repositories of the registry stack.
#
#   docker/push-images.sh [--tag TAG] [--dry-run] [IMAGE...]
#
# IMAGE: upload-api dispatcher completion notifier engagement-metrics transcoder (default: all six). TAG defaults to the current commit; each
# image is pushed as TAG and as latest. Then roll out with: pnpm --filter @reelforge/aws-infra run deploy -c imageTag=TAG
# Needs Docker with BuildKit and the AWS CLI. The registry is $AWS_ACCOUNT_ID (default: the caller's account) in
# $AWS_REGION (default: the CLI profile's region); repositories are $REELFORGE_PREFIX/<image> (default prefix: reelforge,
# the stack's `prefix` context). --dry-run prints the commands without running Docker or calling AWS.
set -euo pipefail

ALL=(upload-api dispatcher completion notifier engagement-metrics transcoder)
tag=""
dry_run=0
images=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 64 ;;
    *) images+=("$1"); shift ;;
  esac
done
[[ ${#images[@]} -gt 0 ]] || images=("${ALL[@]}")
for image in "${images[@]}"; do
  [[ " ${ALL[*]} " == *" ${image} "* ]] || { echo "unknown image: ${image} (one of: ${ALL[*]})" >&2; exit 64; }
done

cd "$(dirname "$0")/.."
tag="${tag:-$(git rev-parse --short=12 HEAD)}"
prefix="${REELFORGE_PREFIX:-reelforge}"
if [[ $dry_run -eq 1 ]]; then
  region="${AWS_REGION:-<region>}"
  account="${AWS_ACCOUNT_ID:-<account>}"
else
  region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}"
  account="${AWS_ACCOUNT_ID:-$(aws sts get-caller-identity --query Account --output text)}"
fi
registry="${account}.dkr.ecr.${region}.amazonaws.com"

run() {
  echo "+ $*"
  [[ $dry_run -eq 1 ]] || "$@"
}

# Where each service answers /healthz: must match healthPorts in infra/aws/src/reelforge.stack.ts.
health_port() {
  case "$1" in
    upload-api) echo 8080 ;;
    dispatcher) echo 9401 ;;
    completion) echo 9402 ;;
    notifier) echo 9404 ;;
    engagement-metrics) echo 9405 ;;
  esac
}

echo "+ aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${registry}"
if [[ $dry_run -eq 0 ]]; then
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
fi

for image in "${images[@]}"; do
  repository="${registry}/${prefix}/${image}"
  # Fargate runs the tasks on x86_64 (the task definitions say so); build for it even on an arm64 laptop.
  case "$image" in
    transcoder)
      run docker build --platform linux/amd64 -f docker/transcoder.Dockerfile \
        -t "${repository}:${tag}" -t "${repository}:latest" . ;;
    *)
      run docker build --platform linux/amd64 -f docker/service.Dockerfile \
        --build-arg "SERVICE=${image}" --build-arg "HEALTH_PORT=$(health_port "$image")" \
        -t "${repository}:${tag}" -t "${repository}:latest" . ;;
  esac
  run docker push "${repository}:${tag}"
  run docker push "${repository}:latest"
done

if [[ " ${images[*]} " == " transcoder " ]]; then
  echo "pushed ${tag}; roll out the transcoder: pnpm --filter @reelforge/aws-infra run deploy -c transcoderImageTag=${tag}"
else
  echo "pushed ${tag}; roll it out: pnpm --filter @reelforge/aws-infra run deploy -c imageTag=${tag}"
fi
