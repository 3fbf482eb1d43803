#!/usr/bin/env bash
# Says when a certificate expires, and fails when that is soon: usage  scripts/cert-check.sh CERT [DAYS]
# Prints one line, e.g. "certificate for example.com expires in 12 days (on 2027-03-01 10:00 UTC) — renew
# with: certbot renew", and exits 1 when fewer than DAYS days (default 30) are left, 0 otherwise; 2 on bad input.
# Let's Encrypt certificates live 90 days and certbot.timer renews them at 30 days left: under 30 days left
# means renewal is failing (see: journalctl -u certbot.service). Suitable for a monitoring check or a cron job.
set -euo pipefail

fail() { echo "cert-check.sh: $*" >&2; exit 2; }

[[ $# -ge 1 && $# -le 2 && -n $1 ]] || fail "usage: cert-check.sh CERT [DAYS] (e.g. /etc/letsencrypt/live/example.com/fullchain.pem 30)"
cert=$1
days=${2:-30}
# At most 5 digits: a longer number overflows days * 86400 below and the check would pass any certificate.
[[ $days =~ ^[0-9]{1,5}$ ]] || fail "DAYS must be a whole number of days (at most 99999), got '$days'"
days=$(( 10#$days ))                    # "08" is 8, not an invalid octal number that skips the check
[[ -r $cert ]] || fail "no certificate at $cert — obtain one with: deploy/certbot/obtain.sh DOMAIN"
end=$(openssl x509 -in "$cert" -noout -enddate 2>/dev/null) ||
    fail "$cert is not a PEM certificate — give the fullchain.pem (or cert.pem) file, not the key"

# The first DNS name of the certificate (what clients check), else its subject's CN.
name=$(openssl x509 -in "$cert" -noout -ext subjectAltName 2>/dev/null | grep -oE 'DNS:[^, ]+' | head -n 1) || true
name=${name#DNS:}
[[ -n $name ]] || name=$(openssl x509 -in "$cert" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')

end_epoch=$(date -d "${end#notAfter=}" +%s)
on=$(date -u -d "@$end_epoch" '+%Y-%m-%d %H:%M UTC')
left=$(( (end_epoch - $(date +%s)) / 86400 ))   # whole days, rounded down
if (( end_epoch <= $(date +%s) )); then
    echo "certificate for $name expired $(( -left )) days ago (on $on) — renew with: certbot renew"
    exit 1
fi
# -checkend: does the certificate expire within the next N seconds? (its exit status answers)
if ! openssl x509 -in "$cert" -noout -checkend $(( days * 86400 )) >/dev/null; then
    echo "certificate for $name expires in $left days (on $on) — renew with: certbot renew"
    exit 1
fi
echo "certificate for $name expires in $left days (on $on), more than $days days away"
