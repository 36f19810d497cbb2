type Service = { name: string; up: boolean };

async function refresh(list: HTMLUListElement): Promise<void> {
  const res = await fetch("/api/services");
  const services: Service[] = await res.json();
  list.replaceChildren(
    ...services.map((s) => {
      const li = document.createElement("li");
      li.textContent = `${s.up ? "🟢" : "🔴"} ${s.name}`;
      return li;
    })
  );
}

const list = document.querySelector<HTMLUListElement>("#services");
if (list) {
  refresh(list);
  setInterval(() => refresh(list), 10_000);
}
