#!/usr/bin/env bash
# Provision one AWS host for Webbscope with the aws CLI: a security group (22 from the operator's
# address; 80 and 443 from the operator's address for staging, which has no TLS, and from anywhere
# for production), an EC2 t3.medium running scripts/server-setup.sh as
# user-data, and an Elastic IP. Re-running finds what exists by its Name tag and reuses it.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy-aws.sh --operator-cidr CIDR --key-name NAME [options]

Create (or reuse) a security group, an EC2 instance and an Elastic IP for Webbscope.

required:
  --operator-cidr CIDR   address range allowed to SSH, e.g. 203.0.113.7/32
  --key-name NAME        EC2 key pair for SSH

options:
  --name NAME            Name tag of every resource (default webbscope-staging)
  --region REGION        AWS region (default $AWS_REGION, else us-east-1)
  --instance-type TYPE   default t3.medium
  --ami ID               default: the current Ubuntu 24.04 LTS amd64 image (SSM public parameter)
  --vpc-id ID            default: the region's default VPC
  --subnet-id ID         default: chosen by EC2
  --volume-size GB       root volume, gp3, encrypted (default 40)
  --repo URL             repository the host clones (default: this checkout's origin)
  --branch NAME          default main
  --env NAME             staging | production (default staging)
  --web-cidr CIDR        address range allowed to reach 80/443. Default: --operator-cidr for
                         staging (plain HTTP: keep it private), 0.0.0.0/0 for production (TLS)
  --public               staging only: open 80/443 to the whole internet (plain HTTP; the
                         Secure refresh cookie is not sent, so sign-ins last one access token)
  --no-start             do not build and start the stack on first boot
  --dry-run              print the aws commands instead of running them (no AWS access needed)
  -h, --help             this help
EOF
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME=webbscope-staging
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
INSTANCE_TYPE=t3.medium
AMI=""
VPC_ID=""
SUBNET_ID=""
VOLUME_SIZE=40
OPERATOR_CIDR=""
KEY_NAME=""
REPO=""
BRANCH=main
DEPLOY_ENV=staging
START=1
DRY_RUN=0
WEB_CIDR=""
PUBLIC=0
AMI_PARAMETER=/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id

while [ $# -gt 0 ]; do
  case "$1" in
    --operator-cidr) OPERATOR_CIDR="${2:?--operator-cidr needs a value}"; shift 2 ;;
    --web-cidr) WEB_CIDR="${2:?--web-cidr needs a value}"; shift 2 ;;
    --public) PUBLIC=1; shift ;;
    --key-name) KEY_NAME="${2:?--key-name needs a value}"; shift 2 ;;
    --name) NAME="${2:?--name needs a value}"; shift 2 ;;
    --region) REGION="${2:?--region needs a value}"; shift 2 ;;
    --instance-type) INSTANCE_TYPE="${2:?--instance-type needs a value}"; shift 2 ;;
    --ami) AMI="${2:?--ami needs a value}"; shift 2 ;;
    --vpc-id) VPC_ID="${2:?--vpc-id needs a value}"; shift 2 ;;
    --subnet-id) SUBNET_ID="${2:?--subnet-id needs a value}"; shift 2 ;;
    --volume-size) VOLUME_SIZE="${2:?--volume-size needs a value}"; shift 2 ;;
    --repo) REPO="${2:?--repo needs a value}"; shift 2 ;;
    --branch) BRANCH="${2:?--branch needs a value}"; shift 2 ;;
    --env) DEPLOY_ENV="${2:?--env needs a value}"; shift 2 ;;
    --no-start) START=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deploy-aws: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { printf 'deploy-aws: %s\n' "$*" >&2; }
die() { printf 'deploy-aws: %s\n' "$*" >&2; exit 1; }

[ -n "$OPERATOR_CIDR" ] || die "--operator-cidr is required (your address, e.g. 203.0.113.7/32)"
[ -n "$KEY_NAME" ] || die "--key-name is required"
[[ "$OPERATOR_CIDR" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]] \
  || die "--operator-cidr must look like 203.0.113.7/32"
[ "$OPERATOR_CIDR" != "0.0.0.0/0" ] || log "warning: SSH open to the whole internet"
if [ -z "$WEB_CIDR" ]; then
  if [ "$PUBLIC" = 1 ] || [ "$DEPLOY_ENV" = production ]; then WEB_CIDR=0.0.0.0/0
  else WEB_CIDR="$OPERATOR_CIDR"; fi
fi
[[ "$WEB_CIDR" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]] \
  || die "--web-cidr must look like 203.0.113.0/24"
if [ "$DEPLOY_ENV" != production ] && [ "$WEB_CIDR" = 0.0.0.0/0 ]; then
  [ "$PUBLIC" = 1 ] || die "staging serves plain HTTP: open it to everyone only with --public"
  log "warning: staging (plain HTTP) open to the whole internet"
fi
[[ "$VOLUME_SIZE" =~ ^[0-9]+$ ]] || die "--volume-size must be a number of GB"
case "$DEPLOY_ENV" in staging|production) ;; *) die "--env must be staging or production" ;; esac
if [ -z "$REPO" ]; then
  REPO="$(git -C "$HERE/.." remote get-url origin 2>/dev/null || true)"
  [ -n "$REPO" ] || die "--repo is required (this checkout has no 'origin' remote)"
fi
if [ "$DRY_RUN" = 0 ]; then
  command -v aws >/dev/null 2>&1 || die "the aws CLI is required (https://aws.amazon.com/cli/)"
fi

AWS=(aws --region "$REGION")

# Run an aws command that changes something; in a dry run only print it (on stderr, like ask).
run() {
  if [ "$DRY_RUN" = 1 ]; then
    { printf '+'; printf ' %q' "$@"; printf '\n'; } >&2
  else
    "$@"
  fi
}

# Run an aws command whose output is needed; in a dry run print it and answer PLACEHOLDER.
ask() {
  local placeholder=$1; shift
  if [ "$DRY_RUN" = 1 ]; then
    { printf '+'; printf ' %q' "$@"; printf '\n'; } >&2
    printf '%s\n' "$placeholder"
  else
    "$@"
  fi
}

# "None" is what `--output text` prints for a missing value.
missing() { [ -z "$1" ] || [ "$1" = None ] || [ "$1" = null ]; }

TAGS="{Key=Name,Value=$NAME},{Key=Project,Value=webbscope}"

# --- image and network ----------------------------------------------------------------------
if [ -z "$AMI" ]; then
  AMI="$(ask ami-DRYRUN "${AWS[@]}" ssm get-parameter --name "$AMI_PARAMETER" \
        --query Parameter.Value --output text)"
fi
if [ -z "$VPC_ID" ]; then
  VPC_ID="$(ask vpc-DRYRUN "${AWS[@]}" ec2 describe-vpcs --filters Name=isDefault,Values=true \
           --query 'Vpcs[0].VpcId' --output text)"
  missing "$VPC_ID" && die "no default VPC in $REGION; pass --vpc-id and --subnet-id"
fi

# --- security group -------------------------------------------------------------------------
SG_ID="$(ask None "${AWS[@]}" ec2 describe-security-groups \
        --filters "Name=group-name,Values=$NAME" "Name=vpc-id,Values=$VPC_ID" \
        --query 'SecurityGroups[0].GroupId' --output text)"
if missing "$SG_ID"; then
  log "creating security group $NAME"
  SG_ID="$(ask sg-DRYRUN "${AWS[@]}" ec2 create-security-group --group-name "$NAME" \
          --description "Webbscope: SSH from the operator, HTTP and HTTPS" --vpc-id "$VPC_ID" \
          --tag-specifications "ResourceType=security-group,Tags=[$TAGS]" \
          --query GroupId --output text)"
else
  log "reusing security group $SG_ID"
fi

allow() {  # port cidr
  local port=$1 cidr=$2 out
  if [ "$DRY_RUN" = 1 ]; then
    run "${AWS[@]}" ec2 authorize-security-group-ingress --group-id "$SG_ID" \
      --protocol tcp --port "$port" --cidr "$cidr"
    return 0
  fi
  if ! out="$("${AWS[@]}" ec2 authorize-security-group-ingress --group-id "$SG_ID" \
              --protocol tcp --port "$port" --cidr "$cidr" 2>&1)"; then
    case "$out" in
      *InvalidPermission.Duplicate*) log "rule tcp/$port from $cidr already present" ;;
      *) die "could not open tcp/$port: $out" ;;
    esac
  fi
}
allow 22 "$OPERATOR_CIDR"
allow 80 "$WEB_CIDR"
allow 443 "$WEB_CIDR"

# --- the instance ----------------------------------------------------------------------------
INSTANCE_ID="$(ask None "${AWS[@]}" ec2 describe-instances \
              --filters "Name=tag:Name,Values=$NAME" \
                        "Name=instance-state-name,Values=pending,running,stopping,stopped" \
              --query 'Reservations[0].Instances[0].InstanceId' --output text)"
if missing "$INSTANCE_ID"; then
  USER_DATA="$(mktemp)"
  trap 'rm -f "$USER_DATA"' EXIT
  {
    echo '#!/bin/bash'
    printf 'export WEBBSCOPE_REPO=%q WEBBSCOPE_BRANCH=%q WEBBSCOPE_DEPLOY_ENV=%q WEBBSCOPE_START=%q\n' \
      "$REPO" "$BRANCH" "$DEPLOY_ENV" "$START"
    grep -v '^#!' "$HERE/server-setup.sh"
  } > "$USER_DATA"
  [ "$(wc -c < "$USER_DATA")" -le 16384 ] || die "user-data is over EC2's 16 KB limit"
  log "launching $INSTANCE_TYPE instance $NAME"
  NETWORK=(--security-group-ids "$SG_ID")
  [ -z "$SUBNET_ID" ] || NETWORK+=(--subnet-id "$SUBNET_ID")
  INSTANCE_ID="$(ask i-DRYRUN "${AWS[@]}" ec2 run-instances --image-id "$AMI" \
                --instance-type "$INSTANCE_TYPE" --key-name "$KEY_NAME" "${NETWORK[@]}" \
                --user-data "file://$USER_DATA" \
                --metadata-options HttpTokens=required,HttpEndpoint=enabled \
                --block-device-mappings "DeviceName=/dev/sda1,Ebs={VolumeSize=$VOLUME_SIZE,VolumeType=gp3,Encrypted=true,DeleteOnTermination=true}" \
                --tag-specifications "ResourceType=instance,Tags=[$TAGS]" \
                                     "ResourceType=volume,Tags=[$TAGS]" \
                --query 'Instances[0].InstanceId' --output text)"
else
  STATE="$(ask running "${AWS[@]}" ec2 describe-instances --instance-ids "$INSTANCE_ID" \
          --query 'Reservations[0].Instances[0].State.Name' --output text)"
  log "reusing instance $INSTANCE_ID ($STATE)"
  if [ "$STATE" = stopped ]; then
    run "${AWS[@]}" ec2 start-instances --instance-ids "$INSTANCE_ID" >/dev/null
  fi
fi
log "waiting for $INSTANCE_ID to run"
run "${AWS[@]}" ec2 wait instance-running --instance-ids "$INSTANCE_ID"

# --- Elastic IP ------------------------------------------------------------------------------
ALLOCATION_ID="$(ask None "${AWS[@]}" ec2 describe-addresses \
                --filters "Name=tag:Name,Values=$NAME" \
                --query 'Addresses[0].AllocationId' --output text)"
if missing "$ALLOCATION_ID"; then
  log "allocating an Elastic IP"
  ALLOCATION_ID="$(ask eipalloc-DRYRUN "${AWS[@]}" ec2 allocate-address --domain vpc \
                  --tag-specifications "ResourceType=elastic-ip,Tags=[$TAGS]" \
                  --query AllocationId --output text)"
fi
run "${AWS[@]}" ec2 associate-address --allocation-id "$ALLOCATION_ID" \
  --instance-id "$INSTANCE_ID" --allow-reassociation >/dev/null
PUBLIC_IP="$(ask 203.0.113.10 "${AWS[@]}" ec2 describe-addresses --allocation-ids "$ALLOCATION_ID" \
            --query 'Addresses[0].PublicIp' --output text)"

cat <<EOF
instance:    $INSTANCE_ID ($INSTANCE_TYPE, $REGION)
public IP:   $PUBLIC_IP
security:    $SG_ID (22 from $OPERATOR_CIDR; 80, 443 from $WEB_CIDR)

The host installs Docker and the checkout on first boot (a few minutes; then it builds the stack).
Follow it with:  ssh ubuntu@$PUBLIC_IP 'sudo tail -f /var/log/cloud-init-output.log'
Then:            export STAGING_HOST=webbscope@$PUBLIC_IP; scripts/staging.sh status
EOF
