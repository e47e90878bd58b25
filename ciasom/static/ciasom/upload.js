// Enrolment uploads: drag & drop or choose several photos, send them to the JSON API with
// upload progress, then follow the background processing until every photo has a result.
"use strict";
(() => {
  const box = document.getElementById("upload");
  if (!box) return;
  const input = document.getElementById("photo-input");
  const zone = document.getElementById("dropzone");
  const progress = document.getElementById("upload-progress");
  const bar = progress.querySelector(".bar");
  const label = progress.querySelector(".label");
  const errorBox = document.getElementById("upload-error");
  const maxFiles = Number(box.dataset.maxFiles);
  const maxBytes = Number(box.dataset.maxMb) * 1024 * 1024;
  const csrf = zone.querySelector("input[name=csrfmiddlewaretoken]").value;
  const t = (ko, en) => (document.documentElement.lang === "ko" ? ko : en);

  function showError(text) { errorBox.textContent = text; errorBox.hidden = !text; }
  function setProgress(fraction, text) {
    progress.hidden = false;
    bar.style.width = `${Math.round(fraction * 100)}%`;
    label.textContent = text;
  }

  function upload(files) {
    showError("");
    if (!files.length) return;
    if (files.length > maxFiles) {
      showError(t(`한 번에 최대 ${maxFiles}장까지 올릴 수 있습니다.`, `At most ${maxFiles} photos per upload.`));
      return;
    }
    const big = files.find((f) => f.size > maxBytes);
    if (big) {
      showError(t(`“${big.name}” 파일이 ${box.dataset.maxMb} MB보다 큽니다.`,
                  `“${big.name}” is larger than ${box.dataset.maxMb} MB.`));
      return;
    }
    const form = new FormData();
    files.forEach((f) => form.append("photos", f, f.name));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", box.dataset.api);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setProgress(e.loaded / e.total, t("업로드 중…", "Uploading…"));
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 202) { refresh(); follow(); return; }
      progress.hidden = true;
      showError(body.detail || t("업로드에 실패했습니다.", "Upload failed.") + ` (${xhr.status})`);
    };
    xhr.onerror = () => { progress.hidden = true; showError(t("네트워크 오류", "Network error")); };
    xhr.send(form);
  }

  async function refresh() {
    const response = await fetch(box.dataset.fragment, { credentials: "same-origin" });
    if (response.ok) document.getElementById("photos").innerHTML = await response.text();
  }

  let following = false;
  async function follow() {
    if (following) return;
    following = true;
    let lastDone = -1;
    for (;;) {
      const response = await fetch(box.dataset.personApi, { credentials: "same-origin" });
      if (!response.ok) break;
      const person = await response.json();
      const { pending, accepted, rejected } = person.counts;
      const total = pending + accepted + rejected;
      const done = accepted + rejected;
      const status = document.getElementById("person-status");
      status.dataset.status = person.status;
      status.className = `status ${person.status}`;
      if (done !== lastDone) { lastDone = done; await refresh(); }
      if (!pending) {
        setProgress(1, t(`완료: ${accepted}장 승인, ${rejected}장 거부`, `Done: ${accepted} accepted, ${rejected} rejected`));
        status.textContent = person.status === "ready" ? t("준비됨", "Ready") : t("사용할 수 있는 사진 없음", "No usable photo");
        break;
      }
      setProgress(done / total, t(`얼굴 분석 중… ${done}/${total}`, `Analysing faces… ${done}/${total}`));
      await new Promise((resolve) => setTimeout(resolve, 800));
    }
    following = false;
  }

  input.addEventListener("change", () => { upload(Array.from(input.files)); input.value = ""; });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (e) => {
    e.preventDefault(); zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, (e) => {
    e.preventDefault(); zone.classList.remove("over");
  }));
  zone.addEventListener("drop", (e) => upload(Array.from(e.dataTransfer.files)));
  const grid = document.getElementById("photo-grid");
  if (grid && Number(grid.dataset.pending) > 0) follow();
})();
