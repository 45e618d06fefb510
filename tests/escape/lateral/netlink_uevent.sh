# defence: sc-uevent
# NETLINK_KOBJECT_UEVENT sockets hear the host's device events (and are how
# udev-like code learns of hardware): refused unless a profile lifts it.
. "$REPO/tests/escape/lib.sh"
out=$(al --profile python -- python3 -c '
import socket
try:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)
    print("socket")
except OSError as e:
    print(e.strerror)' 2>"$WORK/err")
case "$out" in
socket) escaped "a uevent socket was made" ;;
"Operation not permitted") contained "refused" ;;
*) broken "$out $(cat "$WORK/err")" ;;
esac
