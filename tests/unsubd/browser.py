#!/usr/bin/python3
"""browser.py - a person at bulkguard-unsubd's pages, in a real headless Chromium (Selenium).

usage: browser.py BASE_URL TOKEN_LIST TOKEN_ALL ADDRESS SHOTS_DIR   (REDIS_CLI, REDIS_PORT in the environment)

Drives GET /u/<token>, the Unsubscribe button, the done page and its undo
button, then a second unsubscribe (all of the brand's mail) whose undo comes
after a complaint was recorded: after each step it checks what the page
says and what Redis holds. Prints TAP; saves a PNG of each page (800 px
wide) into SHOTS_DIR. Waits are explicit (WebDriverWait), never sleeps.
"""
import os
import re
import subprocess
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE, TOK_LIST, TOK_ALL, ADDR, SHOTS = sys.argv[1:6]
N = 0
FAILED = 0


def ok(cond, name):
    """One TAP line."""
    global N, FAILED
    N += 1
    if not cond:
        FAILED += 1
    print("%sok %d - %s" % ("" if cond else "not ", N, name), flush=True)


def rcli(*args):
    """redis-cli against the test's server; its output without the last newline."""
    cmd = [os.environ.get("REDIS_CLI", "redis-cli"), "-p", os.environ["REDIS_PORT"]] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.rstrip("\n")


def last_audit():
    """The fields of the newest bg:audit entry, as a dict."""
    vals = rcli("XREVRANGE", "bg:audit", "+", "-", "COUNT", "1").split("\n")[1:]  # after the entry's id
    return dict(zip(vals[0::2], vals[1::2]))


def page_text(d):
    """The visible text of the page."""
    return d.find_element(By.TAG_NAME, "body").text


def press(d, wait, css, heading):
    """Clicks the element css and waits for the next page, whose h1 holds heading."""
    old = d.find_element(By.TAG_NAME, "h1")
    d.find_element(By.CSS_SELECTOR, css).click()
    wait.until(EC.staleness_of(old))
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), heading))


def shot(d, name):
    """A PNG of the page as shown, 800 px wide."""
    d.save_screenshot(os.path.join(SHOTS, name))


def driver():
    """Headless Chromium through Debian's chromedriver, given explicitly (no download)."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=800,760", "--lang=en-US"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)


def flow_list(d, wait):
    """The list alone: GET, the button, the done page, the undo."""
    key, field = "bg:rcpt:" + ADDR, "suppress:acme/weekly"
    d.get(BASE + "/u/" + TOK_LIST)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Unsubscribe"))
    t = page_text(d)
    ok("Stop receiving mail from Acme Outdoor?" in t, "GET: the page names the brand by its display_name")
    ok("c***@example.com" in t and ADDR not in t, "GET: the address is shown masked, never whole")
    ok("Immediately" in t, "GET: the page says it takes effect immediately")
    ok(d.find_element(By.CSS_SELECTOR, "input[name=scope][value=list]").is_selected(),
       "GET: the list alone is chosen by default, all of the brand's mail offered")
    ok(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "GET: the page declares its language")
    ok(rcli("HGET", key, field) == "", "GET: Redis holds no suppression")
    shot(d, "unsubscribe-confirm.png")

    press(d, wait, "button[type=submit]", "Unsubscribed")
    t = page_text(d)
    ok("You are unsubscribed from the weekly list of Acme Outdoor." in t, "button: the done page says from what")
    ok("took effect immediately" in t and "c***@example.com" in t, "button: ... immediately, for the masked address")
    v = rcli("HGET", key, field)
    ok(re.fullmatch(r"unsubscribe \d+ one-click", v) is not None, "button: Redis holds %s = %s" % (field, v))
    ok(rcli("HEXISTS", key, "suppress:acme") == "0", "button: ... and not the whole brand")
    a = last_audit()
    ok(a.get("what") == "suppress" and a.get("field") == field, "button: bg:audit records the suppression")
    ok("I clicked by mistake" in t, "done page: offers an undo")
    shot(d, "unsubscribe-done.png")

    press(d, wait, "button.secondary", "Unsubscribe undone")
    t = page_text(d)
    ok("Your unsubscribe from the weekly list of Acme Outdoor is undone" in t, "undo: the page says it is undone")
    ok(rcli("HEXISTS", key, field) == "0", "undo: the suppression is gone from Redis")
    ok(rcli("HGET", key, "consent:acme/weekly") == "confirmed 1700000000 198.51.100.7 form",
       "undo: the consent that was there is untouched")
    ok(rcli("HLEN", key) == "1", "undo: no field was created (no consent that was not there)")
    a = last_audit()
    ok(a.get("what") == "resubscribe" and a.get("field") == field and a.get("value") == v,
       "undo: bg:audit records resubscribe with the value removed")
    shot(d, "unsubscribe-undone.png")


def flow_all(d, wait):
    """All of the brand's mail, then an undo that comes after a complaint: refused, the complaint stays."""
    key = "bg:rcpt:" + ADDR
    d.get(BASE + "/u/" + TOK_ALL)
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input[name=scope][value=entity]"))).click()
    press(d, wait, "button[type=submit]", "Unsubscribed")
    ok("You are unsubscribed from all mail from Acme Outdoor." in page_text(d), "all: the done page says so")
    ok(re.fullmatch(r"unsubscribe \d+ one-click", rcli("HGET", key, "suppress:acme")) is not None,
       "all: Redis holds suppress:acme")
    ok(rcli("HEXISTS", key, "suppress:acme/weekly") == "0", "all: ... not the list's field")
    rcli("HSET", key, "suppress:acme", "complaint 1700000001 arf")
    press(d, wait, "button.secondary", "Not done")
    ok("nothing to undo" in page_text(d), "undo after a complaint: the page says nothing was undone")
    ok(rcli("HGET", key, "suppress:acme") == "complaint 1700000001 arf", "undo after a complaint: the complaint stays")
    ok(last_audit().get("what") == "suppress", "undo after a complaint: no resubscribe in bg:audit")
    shot(d, "unsubscribe-error.png")


def main():
    d = driver()
    try:
        wait = WebDriverWait(d, 15)
        flow_list(d, wait)
        flow_all(d, wait)
    finally:
        d.quit()
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
